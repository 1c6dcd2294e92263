using System.Diagnostics;
using FileUploader.Lambda.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FileUploader.Lambda.Pipeline;

/// <summary>Outermost: every log line of the invocation carries its request id.</summary>
internal sealed class LogScopeMiddleware(ILogger<LogScopeMiddleware> logger) : IInvocationMiddleware
{
    public async Task InvokeAsync(InvocationContext context, InvocationDelegate next)
    {
        using var scope = logger.BeginScope(new KeyValuePair<string, object?>[] { new("AwsRequestId", context.RequestId) });
        Log.InvocationStarted(logger);
        await next(context);
        if (context.Error is null)
        {
            Log.InvocationSucceeded(logger);
        }
    }
}

/// <summary>
/// One span per invocation, parented on Lambda's trace (the invocation's <c>Lambda-Runtime-Trace-Id</c>, else the
/// <c>_X_AMZN_TRACE_ID</c> the function started with). The header is also published as <c>_X_AMZN_TRACE_ID</c>,
/// as the Runtime API asks, so the AWS SDK's calls join the same X-Ray trace.
/// </summary>
internal sealed class TracingMiddleware(LambdaEnvironment environment) : IInvocationMiddleware
{
    public async Task InvokeAsync(InvocationContext context, InvocationDelegate next)
    {
        var header = context.Invocation.TraceHeader ?? environment.TraceId;
        if (context.Invocation.TraceHeader is not null)
        {
            Environment.SetEnvironmentVariable("_X_AMZN_TRACE_ID", context.Invocation.TraceHeader);
        }

        using var activity = XRayTraceHeader.TryParse(header, out var parent)
            ? LambdaDiagnostics.Source.StartActivity(LambdaDiagnostics.InvokeActivityName, ActivityKind.Server, parent)
            : LambdaDiagnostics.Source.StartActivity(LambdaDiagnostics.InvokeActivityName, ActivityKind.Server);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(LambdaDiagnostics.RequestIdTag, context.RequestId);
            activity.SetTag(LambdaDiagnostics.HandlerTag, environment.Handler);
            activity.SetTag(LambdaDiagnostics.InvokedArnTag, context.Invocation.InvokedFunctionArn);
        }

        await next(context);
        if (activity is not null && context.Error is { } error)
        {
            activity.SetStatus(ActivityStatusCode.Error, error.ErrorMessage);
            if (activity.IsAllDataRequested)
            {
                activity.SetTag(LambdaDiagnostics.ErrorTypeTag, error.ErrorType);
            }
        }
    }
}

/// <summary>Catches whatever the handler throws and records it as the invocation's error; never rethrows.</summary>
internal sealed class ErrorMiddleware(ILogger<ErrorMiddleware> logger) : IInvocationMiddleware
{
    public async Task InvokeAsync(InvocationContext context, InvocationDelegate next)
    {
        try
        {
            await next(context);
        }
#pragma warning disable CA1031 // Any handler failure becomes an /error report; the loop must go on.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            context.Error = LambdaErrors.From(exception);
            context.Output = null;
            Log.InvocationFailed(logger, context.Error.ErrorType, exception);
        }
    }
}

/// <summary>
/// Turns <c>Lambda-Runtime-Deadline-Ms</c> into the invocation's CancellationToken. It fires
/// <see cref="SafetyMargin"/> early: after the deadline Lambda freezes the sandbox, and the error report must be
/// on its way before then. A handler cancelled by the deadline fails as <see cref="TimeoutException"/>.
/// </summary>
internal sealed class DeadlineMiddleware(TimeProvider time) : IInvocationMiddleware
{
    public static readonly TimeSpan SafetyMargin = TimeSpan.FromMilliseconds(300);

    // CancellationTokenSource rejects delays beyond ~49 days; a Lambda runs 15 minutes at most.
    private static readonly TimeSpan MaxDelay = TimeSpan.FromDays(1);

    public async Task InvokeAsync(InvocationContext context, InvocationDelegate next)
    {
        if (context.Invocation.Deadline is not { } deadline)
        {
            await next(context);
            return;
        }

        var remaining = deadline - time.GetUtcNow() - SafetyMargin;
        remaining = remaining < TimeSpan.Zero ? TimeSpan.Zero : remaining > MaxDelay ? MaxDelay : remaining;
        using var deadlineSource = new CancellationTokenSource(remaining, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, deadlineSource.Token);
        var outer = context.CancellationToken;
        context.CancellationToken = linked.Token;
        try
        {
            await next(context);
        }
        catch (OperationCanceledException exception) when (deadlineSource.IsCancellationRequested && !outer.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"The invocation was cancelled at its deadline {deadline:O} (less a {SafetyMargin.TotalMilliseconds} ms margin).",
                exception);
        }
        finally
        {
            context.CancellationToken = outer;
        }
    }
}
