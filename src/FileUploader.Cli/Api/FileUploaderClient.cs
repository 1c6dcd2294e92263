using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;

namespace FileUploader.Cli.Api;

/// <summary>
/// Talks to a FileUploader API, local or deployed, with the two-step protocol every client uses: announce the
/// upload (<c>POST /uploads</c>), send the bytes where the answer says (a signed PUT locally, a pre-signed S3
/// POST in AWS), then poll <c>GET /uploads/{id}</c> until the workflow has finished.
/// </summary>
internal sealed class FileUploaderClient(HttpClient http, Uri endpoint, TimeProvider time)
{
    private static readonly TimeSpan MaxPollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ProcessingTimeout = TimeSpan.FromMinutes(10);

    public Uri Endpoint { get; } = endpoint;

    public async Task<UploadStatusResponse> UploadAsync(
        FileInfo file,
        string contentType,
        long? expiresInSeconds,
        long? maxDownloads,
        IProgress<long>? progress,
        CancellationToken cancellationToken)
    {
        var request = new CreateUploadRequest(file.Name, file.Length, contentType, expiresInSeconds, maxDownloads);
        var created = await SendJsonAsync(
            () => new HttpRequestMessage(HttpMethod.Post, new Uri(Endpoint, "uploads"))
            {
                Content = JsonContent.Create(request, CliJsonContext.Default.CreateUploadRequest),
            },
            CliJsonContext.Default.CreateUploadResponse,
            cancellationToken);

        await SendBytesAsync(created, file, contentType, progress, cancellationToken);
        var finished = await WaitUntilProcessedAsync(created.UploadId, cancellationToken);
        // Some deployments hand out the delete token only with the announcement; keep it either way.
        return finished.DeleteToken is null && created.DeleteToken is not null
            ? finished with { DeleteToken = created.DeleteToken }
            : finished;
    }

    public Task<FileInfoResponse> GetInfoAsync(string fileId, CancellationToken cancellationToken) =>
        SendJsonAsync(
            () => new HttpRequestMessage(HttpMethod.Get, new Uri(Endpoint, $"files/{Uri.EscapeDataString(fileId)}/info")),
            CliJsonContext.Default.FileInfoResponse,
            cancellationToken);

    public async Task RevokeAsync(string fileId, string deleteToken, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri(Endpoint, $"files/{Uri.EscapeDataString(fileId)}"));
        request.Headers.Add("X-Delete-Token", deleteToken);
        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    /// <summary>
    /// Streams <paramref name="url"/> to <paramref name="destination"/> (a temp file renamed at the end, so a failed
    /// download never leaves a partial file under the real name) and returns the SHA-256 of what arrived.
    /// </summary>
    public async Task<DownloadedFile> DownloadAsync(
        Uri url,
        Func<string?, FileInfo> chooseDestination,
        IProgress<(long Received, long? Total)>? progress,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        using var response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);

        var suggestedName = response.Content.Headers.ContentDisposition?.FileNameStar
            ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"');
        var destination = chooseDestination(suggestedName);
        var total = response.Content.Headers.ContentLength;
        var temporary = new FileInfo(Path.Combine(destination.DirectoryName ?? ".", $".{destination.Name}.{Guid.NewGuid():N}.part"));

        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long received = 0;
            await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken))
            await using (var output = OpenForWriting(temporary))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    received += read;
                    progress?.Report((received, total));
                }
            }

            var sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            return new DownloadedFile(temporary, destination, received, sha256);
        }
        catch
        {
            temporary.Delete();
            throw;
        }
    }

    private async Task SendBytesAsync(
        CreateUploadResponse target,
        FileInfo file,
        string contentType,
        IProgress<long>? progress,
        CancellationToken cancellationToken)
    {
        var method = string.IsNullOrEmpty(target.Method) ? "PUT" : target.Method.ToUpperInvariant();
        var uploadUrl = new Uri(Endpoint, target.UploadUrl);
        using var request = new HttpRequestMessage(new HttpMethod(method), uploadUrl);
        var body = new ProgressStreamContent(OpenForReading(file), progress);
        body.Headers.ContentType = new MediaTypeHeaderValue(contentType);

        if (method == "POST")
        {
            // An S3 pre-signed POST: the policy's form fields first, the file last (S3 ignores fields after it).
            var form = new MultipartFormDataContent();
            foreach (var (name, value) in target.Fields ?? [])
            {
                form.Add(new StringContent(value), name);
            }

            form.Add(body, "file", file.Name);
            request.Content = form;
        }
        else
        {
            request.Content = body;
        }

        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    private async Task<UploadStatusResponse> WaitUntilProcessedAsync(string uploadId, CancellationToken cancellationToken)
    {
        var giveUpAt = time.GetUtcNow() + ProcessingTimeout;
        var interval = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            var status = await SendJsonAsync(
                () => new HttpRequestMessage(HttpMethod.Get, new Uri(Endpoint, $"uploads/{Uri.EscapeDataString(uploadId)}")),
                CliJsonContext.Default.UploadStatusResponse,
                cancellationToken);

            switch (status.Status)
            {
                case "available":
                    return status;
                case "rejected":
                    throw new CliException(ExitCode.Refused, status.Message ?? "The server rejected the upload.");
                case "failed":
                    throw new CliException(ExitCode.ServerError, status.Message ?? "The upload failed on the server.");
            }

            if (time.GetUtcNow() > giveUpAt)
            {
                throw new CliException(ExitCode.ServerError, $"The server is still processing upload {uploadId}; check later with its id.");
            }

            await Task.Delay(interval, time, cancellationToken);
            interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, MaxPollInterval.Ticks));
        }
    }

    private async Task<T> SendJsonAsync<T>(
        Func<HttpRequestMessage> createRequest,
        System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo,
        CancellationToken cancellationToken)
    {
        using var request = createRequest();
        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        try
        {
            return await response.Content.ReadFromJsonAsync(typeInfo, cancellationToken)
                ?? throw new CliException(ExitCode.ServerError, $"The server sent an empty answer to {request.RequestUri}.");
        }
        catch (JsonException ex)
        {
            throw new CliException(ExitCode.ServerError, $"The server at {Endpoint} did not answer like a FileUploader API.", ex);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(request, completion, cancellationToken);
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException || ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        {
            throw new CliException(ExitCode.Unreachable, $"Cannot reach the server at {request.RequestUri?.GetLeftPart(UriPartial.Authority)}: {ex.Message}", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException(ExitCode.Unreachable, $"The server at {request.RequestUri?.GetLeftPart(UriPartial.Authority)} did not answer in time.", ex);
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        string? message = null;
        try
        {
            message = JsonSerializer.Deserialize(body, CliJsonContext.Default.ApiError)?.Message;
        }
        catch (JsonException)
        {
            // Not our JSON error body (a proxy, S3's XML): fall back to the status line below.
        }

        message ??= $"The server answered {(int)response.StatusCode} {response.ReasonPhrase}.";
        var code = (int)response.StatusCode >= 500 ? ExitCode.ServerError : ExitCode.Refused;
        throw new CliException(code, message);
    }

    private static FileStream OpenForReading(FileInfo file)
    {
        try
        {
            return new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCode.LocalFile, $"Cannot read {file.FullName}: {ex.Message}", ex);
        }
    }

    private static FileStream OpenForWriting(FileInfo file)
    {
        try
        {
            return new FileStream(file.FullName, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCode.LocalFile, $"Cannot write {file.FullName}: {ex.Message}", ex);
        }
    }
}

/// <summary>A finished download still under its temporary name; <see cref="Commit"/> moves it into place.</summary>
internal sealed record DownloadedFile(FileInfo Temporary, FileInfo Destination, long Size, string Sha256)
{
    public void Commit(bool overwrite) => Temporary.MoveTo(Destination.FullName, overwrite);

    public void Discard() => Temporary.Delete();
}
