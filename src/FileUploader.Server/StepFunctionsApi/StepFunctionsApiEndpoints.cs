using FileUploader.StateMachine.Service;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace FileUploader.Server.StepFunctionsApi;

/// <summary>
/// The Step Functions-compatible endpoint (AWS JSON 1.0): the AWS CLI, boto3 and the AWS SDKs drive the local engine
/// with nothing but an endpoint URL.
/// </summary>
public static class StepFunctionsApiEndpoints
{
    /// <summary>
    /// Registers the routing policy that keeps <c>POST /</c> without an <c>X-Amz-Target</c> header away from this
    /// endpoint. Without it the endpoint still works, but it answers every <c>POST /</c>
    /// (with UnknownOperationException when the header is missing).
    /// </summary>
    public static IServiceCollection AddStepFunctionsApi(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, AmzTargetMatcherPolicy>());
        return services;
    }

    /// <summary>
    /// Maps <c>POST /</c> with <c>X-Amz-Target: AWSStepFunctions.&lt;Action&gt;</c> to the <see cref="IStepFunctions"/>
    /// registered in DI (resolved per request).
    /// </summary>
    /// <remarks>
    /// AWS serves StartSyncExecution on a <c>sync-</c> host prefix and botocore (AWS CLI, boto3) prepends it even
    /// to a custom endpoint URL (<c>http://sync-127.0.0.1:PORT/</c>), which does not resolve. Clients turn that off
    /// with <c>AWS_DISABLE_HOST_PREFIX_INJECTION=true</c> or boto3's <c>Config(inject_host_prefix=False)</c>; this
    /// endpoint ignores the Host header, so it also serves the prefixed host where a name like that resolves.
    /// </remarks>
    public static IEndpointRouteBuilder MapStepFunctionsApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var logger = endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>()
            .CreateLogger("FileUploader.Server.StepFunctionsApi");

        endpoints.MapPost("/", context =>
            {
                var handler = new StepFunctionsApiHandler(context.RequestServices.GetRequiredService<IStepFunctions>(), logger);
                return handler.HandleAsync(context);
            })
            .WithMetadata(new AmzTargetMetadata())
            .WithDisplayName("Step Functions API (AWS JSON 1.0)");
        return endpoints;
    }
}
