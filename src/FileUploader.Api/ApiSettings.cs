namespace FileUploader.Api;

/// <summary>
/// What the shared handling is told by its host (the server's command line, the Lambda's environment), once.
/// </summary>
/// <param name="LinkTtl">Default lifetime of a file's links when the uploader asks for none.</param>
/// <param name="MaxLinkTtl">The longest lifetime an uploader may ask for with <c>expiresIn</c>.</param>
/// <param name="MaxUploadBytes">The largest file accepted.</param>
/// <param name="UploadUrlTtl">How long the upload target of <c>POST /uploads</c> stays usable.</param>
public sealed record ApiSettings(TimeSpan LinkTtl, TimeSpan MaxLinkTtl, long MaxUploadBytes, TimeSpan UploadUrlTtl)
{
    /// <summary>The largest JSON body the API reads (<c>POST /uploads</c>).</summary>
    public const int JsonBodyMaxBytes = 16 * 1024;

    /// <summary>
    /// True when something other than this host starts an upload's workflow once its bytes are staged (the bucket's
    /// EventBridge rule in AWS): the handling then never starts one, it only reads what that execution records.
    /// </summary>
    public bool EventBridgeStartsUploads { get; init; }

    /// <summary>
    /// True where the host cannot or should not send a file's bytes itself (a Lambda: 6 MB response limit, and a URL
    /// signed with its role's session dies with that session): the tracked link answers a redirect to a pre-signed
    /// GET minted now, valid for <see cref="RedirectLinkLifetime"/>. False: the host streams the bytes.
    /// </summary>
    public bool RedirectDownloads { get; init; }

    /// <summary>How long a redirect's pre-signed GET stays valid: long enough to follow, too short to pass around.</summary>
    public TimeSpan RedirectLinkLifetime { get; init; } = TimeSpan.FromSeconds(60);
}
