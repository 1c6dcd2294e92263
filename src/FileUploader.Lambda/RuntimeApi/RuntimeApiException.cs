using System.Net;

namespace FileUploader.Lambda.RuntimeApi;

/// <summary>The Runtime API answered with a status the contract does not allow; the host cannot go on.</summary>
internal sealed class RuntimeApiException(string operation, HttpStatusCode statusCode, string body)
    : Exception($"Runtime API {operation} answered {(int)statusCode} {statusCode}: {body}")
{
    public string Operation { get; } = operation;

    public HttpStatusCode StatusCode { get; } = statusCode;
}
