using System.Net;
using System.Text;
using FileUploader.Testing.Fixtures;

namespace FileUploader.Storage.Aws.Tests;

/// <summary>
/// A loopback HTTP endpoint that answers every request with one canned AWS error. The test double for faults
/// the real servers cannot be made to produce (throttling, a 5xx); everything else runs against moto, s3rver
/// and dynalite.
/// </summary>
internal sealed class FaultyEndpoint : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public FaultyEndpoint(HttpStatusCode status, string contentType, string body)
    {
        var port = LoopbackServer.FreePort();
        Url = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _loop = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                Interlocked.Increment(ref _requests);
                var bytes = Encoding.UTF8.GetBytes(body);
                context.Response.StatusCode = (int)status;
                context.Response.ContentType = contentType;
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        });
    }

    private int _requests;

    public Uri Url { get; }

    public int Requests => Volatile.Read(ref _requests);

    public static FaultyEndpoint DynamoDbError(HttpStatusCode status, string errorType) =>
        new(status, "application/x-amz-json-1.0", $$"""{"__type":"com.amazonaws.dynamodb.v20120810#{{errorType}}","message":"injected {{errorType}}"}""");

    public static FaultyEndpoint S3Error(HttpStatusCode status, string code) =>
        new(status, "application/xml", $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>injected {code}</Message><RequestId>1</RequestId></Error>");

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
