using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace FileUploader.Storage.Aws.StepFunctions;

/// <summary>Where and as whom <see cref="StepFunctionsClient"/> calls Step Functions.</summary>
/// <param name="Endpoint">The service URL (AWS's regional endpoint, or a local compatible server).</param>
/// <param name="Region">The SigV4 signing region.</param>
/// <param name="Credentials">The signing credentials.</param>
public sealed record StepFunctionsClientOptions(Uri Endpoint, string Region, AWSCredentials Credentials)
{
    /// <summary>
    /// Resolves everything as the AWS SDKs do: the endpoint from <c>AWS_ENDPOINT_URL_SFN</c>, then
    /// <c>AWS_ENDPOINT_URL</c>, then the region's public endpoint; the region from <c>AWS_REGION</c>,
    /// <c>AWS_DEFAULT_REGION</c> or the SDK's region chain (profile, instance metadata); credentials from the SDK's
    /// default chain (environment, profile, container/instance role, the Lambda role's session). Environment
    /// variables are read here, once.
    /// </summary>
    /// <param name="region">An explicit region; wins over the environment.</param>
    /// <param name="credentials">Explicit credentials; win over the default chain.</param>
    public static StepFunctionsClientOptions FromEnvironment(string? region = null, AWSCredentials? credentials = null) =>
        FromEnvironment(Environment.GetEnvironmentVariable, region, credentials);

    /// <summary>As <see cref="FromEnvironment(string?, AWSCredentials?)"/>, reading variables through <paramref name="environment"/>.</summary>
    public static StepFunctionsClientOptions FromEnvironment(Func<string, string?> environment, string? region = null, AWSCredentials? credentials = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var resolvedRegion = region
            ?? NonEmpty(environment("AWS_REGION"))
            ?? NonEmpty(environment("AWS_DEFAULT_REGION"))
            ?? FallbackRegionFactory.GetRegionEndpoint()?.SystemName
            ?? throw new InvalidOperationException("No AWS region: set AWS_REGION or pass one.");

        // The service-specific variable wins over the global one, as in every AWS SDK ("SFN" is Step Functions' id).
        var endpoint = NonEmpty(environment("AWS_ENDPOINT_URL_SFN"))
            ?? NonEmpty(environment("AWS_ENDPOINT_URL"))
            ?? RegionalEndpoint(resolvedRegion);

        return new StepFunctionsClientOptions(
            new Uri(endpoint, UriKind.Absolute),
            resolvedRegion,
            credentials ?? DefaultAWSCredentialsIdentityResolver.GetCredentials(null));
    }

    private static string RegionalEndpoint(string region)
    {
        // The partition's DNS suffix (amazonaws.com, amazonaws.com.cn, …) comes from the SDK's region table.
        var dnsSuffix = RegionEndpoint.GetBySystemName(region).PartitionDnsSuffix;
        return $"https://states.{region}.{dnsSuffix}/";
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
