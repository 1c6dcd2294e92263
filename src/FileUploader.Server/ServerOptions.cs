using System.Globalization;

namespace FileUploader.Server;

/// <summary>
/// Everything the server is told at start, parsed once from the command line (and nowhere else).
/// </summary>
/// <param name="Urls">Kestrel listen addresses, separated by ';'.</param>
/// <param name="DataDirectory">Objects, the catalog, the signing key and the engine journal all live here.</param>
/// <param name="PublicBaseUrl">The origin links are minted for. Never taken from the request's Host header.</param>
/// <param name="LinkTtl">Default lifetime of a download link when the uploader asks for none.</param>
/// <param name="MaxLinkTtl">The longest lifetime an uploader may ask for with <c>expiresIn</c>.</param>
/// <param name="MaxUploadBytes">The largest file accepted, enforced while the bytes stream in.</param>
/// <param name="UploadUrlTtl">How long a signed upload URL from <c>POST /uploads</c> stays usable.</param>
/// <param name="Storage"><c>local</c> (folder + SQLite, the embedded default) or <c>aws</c>.</param>
internal sealed record ServerOptions(
    string Urls,
    string DataDirectory,
    Uri PublicBaseUrl,
    TimeSpan LinkTtl,
    TimeSpan MaxLinkTtl,
    long MaxUploadBytes,
    TimeSpan UploadUrlTtl,
    string Storage)
{
    public const string Usage =
        "usage: FileUploader.Server --urls URL --data DIR [--link-ttl SECONDS (3600)] [--max-link-ttl SECONDS (604800)]\n" +
        "                           [--max-upload-bytes N (10737418240)] [--upload-url-ttl SECONDS (900)]\n" +
        "                           [--public-base-url URL (first of --urls)] [--storage local|aws (local)]\n" +
        "                           [--bucket NAME --table NAME (with --storage aws; endpoints from AWS_ENDPOINT_URL_*)]\n" +
        "                           [--upload-starter server|eventbridge (server)]";

    /// <summary>This server starts the upload workflow when staged bytes appear (its engine runs the uploads).</summary>
    public const string ServerStarter = "server";

    /// <summary>
    /// An EventBridge rule on the bucket starts the upload workflow (the deployed template.yaml): the server must
    /// not start a second execution for bytes it finds staged, nor sweep what that execution is working on.
    /// </summary>
    public const string EventBridgeStarter = "eventbridge";

    /// <summary>With <c>--storage aws</c>: the S3 bucket.</summary>
    public string? Bucket { get; init; }

    /// <summary>With <c>--storage aws</c>: the DynamoDB table.</summary>
    public string? Table { get; init; }

    /// <summary>
    /// Who starts an upload's workflow when its bytes arrive by a pre-signed POST: <see cref="ServerStarter"/> (the
    /// default: this process's engine can only be started by this process) or <see cref="EventBridgeStarter"/>
    /// (the bucket's EventBridge rule does it; AWS then has exactly one starter).
    /// </summary>
    public string UploadStarter { get; init; } = ServerStarter;

    /// <summary>True when something other than this server starts the workflow for staged bytes.</summary>
    public bool EventBridgeStartsUploads => UploadStarter == EventBridgeStarter;

    /// <summary>OTLP collector (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>); traces are exported only when it is set.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>How often abandoned uploads and orphan staging bytes are swept.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Slow-client defence (Kestrel MinRequestBodyDataRate): bytes per second after the grace period.</summary>
    public double MinBodyBytesPerSecond { get; init; } = 240;

    public TimeSpan MinBodyRateGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Parses <c>--name value</c> pairs; throws <see cref="FormatException"/> with a message a person can act on.</summary>
    public static ServerOptions Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string value;
            var eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                throw new FormatException($"{name} needs a value.");
            }

            if (!KnownOptions.Contains(name))
            {
                throw new FormatException($"Unknown option '{name}'.");
            }

            values[name] = value;
        }

        var urls = values.GetValueOrDefault("--urls") ?? "http://127.0.0.1:8080";
        var data = values.GetValueOrDefault("--data") ?? throw new FormatException("--data DIR is required.");
        var publicBase = values.TryGetValue("--public-base-url", out var pb) ? ParseUrl("--public-base-url", pb) : DerivePublicBaseUrl(urls);
        var linkTtl = Seconds(values, "--link-ttl", 3600);
        var maxLinkTtl = Seconds(values, "--max-link-ttl", Math.Max(604800, (long)linkTtl.TotalSeconds));
        if (linkTtl > maxLinkTtl)
        {
            throw new FormatException("--link-ttl cannot be longer than --max-link-ttl.");
        }

        var storage = values.GetValueOrDefault("--storage") ?? "local";
        if (storage is not ("local" or "aws"))
        {
            throw new FormatException("--storage must be 'local' or 'aws'.");
        }

        var bucket = values.GetValueOrDefault("--bucket");
        var table = values.GetValueOrDefault("--table");
        if (storage == "aws" && (string.IsNullOrWhiteSpace(bucket) || string.IsNullOrWhiteSpace(table)))
        {
            throw new FormatException("--storage aws needs --bucket NAME and --table NAME.");
        }

        var starter = values.GetValueOrDefault("--upload-starter") ?? ServerStarter;
        if (starter is not (ServerStarter or EventBridgeStarter))
        {
            throw new FormatException("--upload-starter must be 'server' or 'eventbridge'.");
        }

        return new ServerOptions(
            urls,
            Path.GetFullPath(data),
            publicBase,
            linkTtl,
            maxLinkTtl,
            Positive(values, "--max-upload-bytes", 10L * 1024 * 1024 * 1024),
            Seconds(values, "--upload-url-ttl", 900),
            storage)
        {
            Bucket = bucket,
            Table = table,
            UploadStarter = starter,
        };
    }

    private static readonly HashSet<string> KnownOptions =
    [
        "--urls", "--data", "--link-ttl", "--max-link-ttl", "--max-upload-bytes", "--upload-url-ttl", "--public-base-url", "--storage", "--bucket", "--table", "--upload-starter",
    ];

    private static TimeSpan Seconds(Dictionary<string, string> values, string name, long fallback) =>
        TimeSpan.FromSeconds(Positive(values, name, fallback));

    private static long Positive(Dictionary<string, string> values, string name, long fallback)
    {
        if (!values.TryGetValue(name, out var text))
        {
            return fallback;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new FormatException($"{name} must be a positive whole number, not '{text}'.");
    }

    private static Uri ParseUrl(string name, string text) =>
        Uri.TryCreate(text.TrimEnd('/'), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new FormatException($"{name} must be an absolute http(s) URL, not '{text}'.");

    // A wildcard bind address is not something a browser can reach; links then name localhost on the same port.
    private static Uri DerivePublicBaseUrl(string urls)
    {
        var first = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0];
        first = first.Replace("://+", "://localhost", StringComparison.Ordinal)
            .Replace("://*", "://localhost", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal)
            .Replace("://[::]", "://localhost", StringComparison.Ordinal);
        return ParseUrl("--urls", first);
    }
}
