namespace FileUploader.Lambda.RuntimeApi;

/// <summary>One event handed out by <c>GET /runtime/invocation/next</c>, with the headers that describe it.</summary>
/// <param name="RequestId"><c>Lambda-Runtime-Aws-Request-Id</c>.</param>
/// <param name="Deadline"><c>Lambda-Runtime-Deadline-Ms</c>: when Lambda stops the function.</param>
/// <param name="InvokedFunctionArn"><c>Lambda-Runtime-Invoked-Function-Arn</c>.</param>
/// <param name="TraceHeader"><c>Lambda-Runtime-Trace-Id</c>: the X-Ray header (<c>Root=…;Parent=…;Sampled=…</c>).</param>
/// <param name="Payload">The event body, as sent (JSON, but not yet checked).</param>
internal sealed record LambdaInvocation(
    string RequestId,
    DateTimeOffset? Deadline,
    string? InvokedFunctionArn,
    string? TraceHeader,
    ReadOnlyMemory<byte> Payload);

/// <summary>The body of <c>/invocation/{id}/error</c> and <c>/init/error</c>, as the Runtime API defines it.</summary>
internal sealed record LambdaError(string ErrorMessage, string ErrorType, IReadOnlyList<string> StackTrace);
