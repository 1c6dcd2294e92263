namespace FileUploader.Server.Api;

/// <summary>
/// <c>GET /</c>: the smallest page that lets a person share a file from a browser — a plain form posting to
/// <c>POST /upload</c> (the same request <c>curl -F</c> sends). No script, so its CSP can forbid all of it.
/// </summary>
internal static class UploadPage
{
    private const string Html = """
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>FileUploader</title>
          <style>
            body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem; }
            fieldset { border: 1px solid #ccc; border-radius: .5rem; padding: 1rem; }
            label { display: block; margin: .75rem 0 .25rem; }
            button { margin-top: 1rem; padding: .5rem 1.5rem; }
          </style>
        </head>
        <body>
          <h1>Share a file</h1>
          <p>The answer contains a <code>shareUrl</code> (counted, expires) and a <code>deleteToken</code> to revoke it.</p>
          <form method="post" action="/upload" enctype="multipart/form-data">
            <fieldset>
              <label for="file">File</label>
              <input id="file" name="file" type="file" required>
              <label for="expiresIn">Link lifetime (seconds, optional)</label>
              <input id="expiresIn" name="expiresIn" type="number" min="1" placeholder="3600">
              <label for="maxDownloads">Maximum downloads (optional)</label>
              <input id="maxDownloads" name="maxDownloads" type="number" min="1">
              <br><button type="submit">Upload</button>
            </fieldset>
          </form>
        </body>
        </html>
        """;

    public static void MapUploadPage(this IEndpointRouteBuilder app) =>
        app.MapGet("/", (HttpContext context) =>
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";
            context.Response.Headers.XContentTypeOptions = "nosniff";
            return context.Response.WriteAsync(Html, context.RequestAborted);
        });
}
