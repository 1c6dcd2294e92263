using System.Globalization;
using System.Text.Encodings.Web;

namespace FileUploader.Server.Web;

/// <summary>
/// The answer to the upload form when the browser runs no JavaScript: a plain page with the link, its
/// expiry and the delete token, or the error in plain words. Everything user-supplied is HTML-encoded.
/// </summary>
internal static class UploadResultPage
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    /// <summary>True when a browser submitted the form (it asks for HTML) rather than curl or a script.</summary>
    public static bool IsWanted(HttpRequest request)
    {
        var accept = request.Headers.Accept.ToString();
        return accept.Contains("text/html", StringComparison.OrdinalIgnoreCase)
            && !accept.Contains("application/json", StringComparison.OrdinalIgnoreCase);
    }

    public static string Success(string fileName, long size, Uri shareUrl, DateTimeOffset expiresAt, string? deleteToken) =>
        Page("Your link is ready", $"""
            <p><strong>{Html.Encode(fileName)}</strong> ({size.ToString("N0", CultureInfo.InvariantCulture)} bytes) is shared.</p>
            <p><label for="link">Share link</label><br><input id="link" type="text" readonly size="60" value="{Html.Encode(shareUrl.ToString())}"></p>
            <p>The link stops working at <time datetime="{expiresAt.UtcDateTime:O}">{expiresAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC</time>; the file is deleted then.</p>
            {(deleteToken is null ? string.Empty : $"<p>Delete token (keep it to revoke the link early): <code>{Html.Encode(deleteToken)}</code></p>")}
            <p><a href="/">Upload another file</a></p>
            """);

    public static string Failure(string message) =>
        Page("The upload did not go through", $"""
            <p class="error" role="alert">{Html.Encode(message)}</p>
            <p><a href="/">Try again</a></p>
            """);

    private static string Page(string title, string body) => $"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{Html.Encode(title)} — FileUploader</title><link rel="stylesheet" href="/app.css"></head>
        <body><header class="top"><h1>FileUploader</h1></header><main><section class="panel"><h2>{Html.Encode(title)}</h2>
        {body}
        </section></main></body></html>
        """;
}
