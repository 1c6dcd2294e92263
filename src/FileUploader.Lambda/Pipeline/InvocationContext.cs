using System.Text.Json.Nodes;
using FileUploader.Lambda.RuntimeApi;

namespace FileUploader.Lambda.Pipeline;

/// <summary>One invocation as it passes through the middleware: what came in, and the output or error going back.</summary>
internal sealed class InvocationContext(LambdaInvocation invocation, IServiceProvider services, CancellationToken cancellationToken)
{
    public LambdaInvocation Invocation { get; } = invocation;

    public string RequestId => Invocation.RequestId;

    /// <summary>The invocation's DI scope.</summary>
    public IServiceProvider Services { get; } = services;

    /// <summary>Cancelled when the host stops or, once the deadline middleware ran, shortly before the deadline.</summary>
    public CancellationToken CancellationToken { get; set; } = cancellationToken;

    /// <summary>The handler's result, sent on <c>/response</c> when <see cref="Error"/> is null.</summary>
    public JsonNode? Output { get; set; }

    /// <summary>Set by the error middleware; sent on <c>/error</c>.</summary>
    public LambdaError? Error { get; set; }
}

/// <summary>A step of the per-invocation pipeline (AF's FunctionExecutionDelegate).</summary>
internal delegate Task InvocationDelegate(InvocationContext context);

/// <summary>A middleware registered as a DI singleton and placed in the pipeline with <c>UseMiddleware</c>.</summary>
internal interface IInvocationMiddleware
{
    Task InvokeAsync(InvocationContext context, InvocationDelegate next);
}
