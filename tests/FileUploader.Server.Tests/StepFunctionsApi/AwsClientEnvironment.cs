namespace FileUploader.Server.Tests.StepFunctionsApi;

/// <summary>
/// The environment a user sets to point AWS tools at a local endpoint: dummy keys (the endpoint accepts any
/// signature), a region, no shared config or credentials files from the machine, and host-prefix injection off.
/// </summary>
/// <remarks>
/// botocore (AWS CLI v1, boto3) sends StartSyncExecution to <c>sync-&lt;host&gt;</c> even with a custom endpoint
/// URL, i.e. <c>http://sync-127.0.0.1:PORT/</c>, which does not resolve; <c>AWS_DISABLE_HOST_PREFIX_INJECTION</c>
/// (or boto3's <c>Config(inject_host_prefix=False)</c>) is how a user of a local endpoint turns that off.
/// </remarks>
internal static class AwsClientEnvironment
{
    public static IReadOnlyDictionary<string, string> Create() => new Dictionary<string, string>
    {
        ["AWS_ACCESS_KEY_ID"] = "AKIDLOCALTEST",
        ["AWS_SECRET_ACCESS_KEY"] = "local-test-secret",
        ["AWS_DEFAULT_REGION"] = "us-east-1",
        ["AWS_REGION"] = "us-east-1",
        ["AWS_CONFIG_FILE"] = "/nonexistent/aws-config",
        ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/aws-credentials",
        ["AWS_DISABLE_HOST_PREFIX_INJECTION"] = "true",
        ["AWS_PAGER"] = string.Empty,
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        ["AWS_MAX_ATTEMPTS"] = "1",
        ["PYTHONDONTWRITEBYTECODE"] = "1",
    };
}
