namespace FileUploader.Lambda;

/// <summary>
/// Everything the host takes from the process environment, read once at start-up (the only place that reads
/// environment variables; BannedSymbols.txt enforces it). Lambda sets the <c>AWS_*</c> and <c>_HANDLER</c> values;
/// template.yaml sets <c>BUCKET_NAME</c>, <c>TABLE_NAME</c> and, for the HttpApi function, <c>EXPIRY_STATE_MACHINE_ARN</c>.
/// </summary>
/// <param name="RuntimeApi"><c>AWS_LAMBDA_RUNTIME_API</c>: host:port of the Runtime API.</param>
/// <param name="Handler"><c>_HANDLER</c>: the step this function runs.</param>
/// <param name="TraceId"><c>_X_AMZN_TRACE_ID</c> at start-up; an invocation's own trace header wins.</param>
/// <param name="LogLevel"><c>AWS_LAMBDA_LOG_LEVEL</c> (advanced logging controls), e.g. <c>DEBUG</c>.</param>
/// <param name="MaxUploadBytes"><c>MAX_UPLOAD_BYTES</c>, raw: parsed during initialisation so a bad value is an init error.</param>
/// <param name="LinkTtlSeconds"><c>LINK_TTL_SECONDS</c>: the default link lifetime, raw.</param>
/// <param name="MaxLinkTtlSeconds"><c>MAX_LINK_TTL_SECONDS</c>: the longest link lifetime, raw.</param>
/// <param name="PublicBaseUrl">
/// <c>PUBLIC_BASE_URL</c> (HttpApi): the origin share links and status URLs name, e.g. a custom domain; when unset, the
/// API's own domain from the event's <c>requestContext.domainName</c>.
/// </param>
/// <param name="ExpiryStateMachineArn"><c>EXPIRY_STATE_MACHINE_ARN</c> (HttpApi): revoking a file stops its expiry execution.</param>
/// <param name="UploadUrlTtlSeconds"><c>UPLOAD_URL_TTL_SECONDS</c> (HttpApi): how long a pre-signed POST stays usable, raw.</param>
/// <param name="StepFunctionsEndpoint"><c>AWS_ENDPOINT_URL_SFN</c>, else <c>AWS_ENDPOINT_URL</c>: a Step Functions endpoint other than AWS's.</param>
internal sealed record LambdaEnvironment(
    string? RuntimeApi,
    string? Handler,
    string? FunctionName,
    string? FunctionVersion,
    string? Region,
    string? TraceId,
    string? LogLevel,
    string? BucketName,
    string? TableName,
    string? KmsKeyId,
    string? MaxUploadBytes = null,
    string? LinkTtlSeconds = null,
    string? MaxLinkTtlSeconds = null,
    string? PublicBaseUrl = null,
    string? ExpiryStateMachineArn = null,
    string? UploadUrlTtlSeconds = null,
    string? StepFunctionsEndpoint = null)
{
    /// <summary>Reads the variables through <paramref name="read"/> (tests pass a dictionary's lookup).</summary>
    public static LambdaEnvironment From(Func<string, string?> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        return new LambdaEnvironment(
            RuntimeApi: NullIfEmpty(read("AWS_LAMBDA_RUNTIME_API")),
            Handler: NullIfEmpty(read("_HANDLER")),
            FunctionName: NullIfEmpty(read("AWS_LAMBDA_FUNCTION_NAME")),
            FunctionVersion: NullIfEmpty(read("AWS_LAMBDA_FUNCTION_VERSION")),
            Region: NullIfEmpty(read("AWS_REGION")) ?? NullIfEmpty(read("AWS_DEFAULT_REGION")),
            TraceId: NullIfEmpty(read("_X_AMZN_TRACE_ID")),
            LogLevel: NullIfEmpty(read("AWS_LAMBDA_LOG_LEVEL")),
            BucketName: NullIfEmpty(read("BUCKET_NAME")),
            TableName: NullIfEmpty(read("TABLE_NAME")),
            KmsKeyId: NullIfEmpty(read("KMS_KEY_ID")),
            MaxUploadBytes: NullIfEmpty(read("MAX_UPLOAD_BYTES")),
            LinkTtlSeconds: NullIfEmpty(read("LINK_TTL_SECONDS")),
            MaxLinkTtlSeconds: NullIfEmpty(read("MAX_LINK_TTL_SECONDS")),
            PublicBaseUrl: NullIfEmpty(read("PUBLIC_BASE_URL")),
            ExpiryStateMachineArn: NullIfEmpty(read("EXPIRY_STATE_MACHINE_ARN")),
            UploadUrlTtlSeconds: NullIfEmpty(read("UPLOAD_URL_TTL_SECONDS")),
            StepFunctionsEndpoint: NullIfEmpty(read("AWS_ENDPOINT_URL_SFN")) ?? NullIfEmpty(read("AWS_ENDPOINT_URL")));
    }

    /// <summary>The process environment, read now.</summary>
    public static LambdaEnvironment FromProcess()
    {
#pragma warning disable RS0030 // The one sanctioned read of the environment.
        return From(Environment.GetEnvironmentVariable);
#pragma warning restore RS0030
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
