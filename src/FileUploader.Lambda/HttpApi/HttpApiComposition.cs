using System.Globalization;
using FileUploader.Api;
using FileUploader.Core.Ports;
using FileUploader.Lambda.Hosting;
using FileUploader.Storage.Aws;
using FileUploader.Storage.Aws.StepFunctions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace FileUploader.Lambda.HttpApi;

/// <param name="PublicBaseUrl">From <c>PUBLIC_BASE_URL</c>; null: each event's <c>requestContext.domainName</c>.</param>
/// <param name="ExpiryStateMachineArn">From <c>EXPIRY_STATE_MACHINE_ARN</c>.</param>
internal sealed record HttpApiSettings(Uri? PublicBaseUrl, string ExpiryStateMachineArn);

/// <summary>
/// The composition root of the API function: the AWS adapters (S3 store and pre-signer, DynamoDB catalog), the Step
/// Functions client for revocation, and the shared handling in AWS's mode: the EventBridge rule starts every upload
/// (the API never does), and the tracked link redirects to a pre-signed GET minted per download.
/// </summary>
internal static class HttpApiComposition
{
    /// <summary>Default lifetime of an upload's pre-signed POST, as on the local server.</summary>
    public static readonly TimeSpan DefaultUploadUrlTtl = TimeSpan.FromMinutes(15);

    public static IServiceCollection AddFileUploaderHttpApi(this IServiceCollection services, LambdaEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var expiryArn = environment.ExpiryStateMachineArn
            ?? throw new InvalidOperationException("EXPIRY_STATE_MACHINE_ARN is not set: template.yaml sets it on the API function.");
        var region = environment.Region
            ?? throw new InvalidOperationException("AWS_REGION is not set: Lambda sets it for every function.");
        var publicBaseUrl = environment.PublicBaseUrl is { } text
            ? Uri.TryCreate(text.TrimEnd('/'), UriKind.Absolute, out var parsed) && parsed.Scheme is "https" or "http"
                ? parsed
                : throw new FormatException($"PUBLIC_BASE_URL must be an absolute http(s) URL; it is '{text}'.")
            : null;

        var policy = StepComposition.CreatePolicy(environment);
        var uploadUrlTtl = environment.UploadUrlTtlSeconds is { } ttl
            ? long.TryParse(ttl, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
                ? TimeSpan.FromSeconds(seconds)
                : throw new FormatException($"UPLOAD_URL_TTL_SECONDS must be a positive whole number; it is '{ttl}'.")
            : DefaultUploadUrlTtl;

        services.AddSingleton(new HttpApiSettings(publicBaseUrl, expiryArn));
        services.AddSingleton(new ApiSettings(policy.DefaultLinkLifetime, policy.MaxLinkLifetime, policy.MaxBytes, uploadUrlTtl)
        {
            EventBridgeStartsUploads = true,
            RedirectDownloads = true,
        });
        services.AddStorage(environment, region);

        // Created on first use (a revocation); a client registered already (tests) is kept: the SDK's default chain gives the role's session credentials; the
        // endpoint is AWS's regional one unless AWS_ENDPOINT_URL_SFN / AWS_ENDPOINT_URL name another.
        services.TryAddSingleton(_ => new StepFunctionsClient(StepFunctionsClientOptions.FromEnvironment(
            name => name switch
            {
                "AWS_ENDPOINT_URL_SFN" => environment.StepFunctionsEndpoint,
                "AWS_REGION" => region,
                _ => null,
            },
            region)));
        services.AddSingleton<IExpiryWorkflow>(sp => new StepFunctionsExpiryWorkflow(
            sp.GetRequiredService<StepFunctionsClient>(),
            sp.GetRequiredService<HttpApiSettings>(),
            sp.GetRequiredService<ILogger<StepFunctionsExpiryWorkflow>>()));
        services.AddSingleton(sp => new UploadSessions(
            sp.GetRequiredService<IFileCatalog>(),
            sp.GetRequiredService<ILinkSigner>(),
            sp.GetRequiredService<ApiSettings>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new SessionReconciler(
            sp.GetRequiredService<IFileCatalog>(),
            sp.GetRequiredService<IObjectStore>(),
            sp.GetRequiredService<ApiSettings>(),
            sp.GetRequiredService<ILogger<SessionReconciler>>()));
        services.AddSingleton(sp => new FileApi(
            sp.GetRequiredService<IFileCatalog>(),
            sp.GetRequiredService<IObjectStore>(),
            sp.GetRequiredService<ILinkSigner>(),
            sp.GetRequiredService<UploadSessions>(),
            sp.GetRequiredService<SessionReconciler>(),
            sp.GetRequiredService<IExpiryWorkflow>(),
            sp.GetRequiredService<ApiSettings>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<FileApi>>()));
        services.AddSingleton<IInvocationHandler>(sp => new HttpApiInvocationHandler(
            sp.GetRequiredService<FileApi>(),
            sp.GetRequiredService<HttpApiSettings>(),
            sp.GetRequiredService<ILogger<HttpApiInvocationHandler>>()));
        return services;
    }
}
