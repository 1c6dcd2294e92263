using System.Net.Sockets;
using System.Text;

namespace FileUploader.Server.Tests.Infrastructure;

/// <summary>
/// A bare HTTP/1.1 client on a TCP socket, for what HttpClient will not do on purpose: stop mid-body, stall,
/// or keep sending a chunked body while the server has already answered.
/// </summary>
internal sealed class RawHttp : IAsyncDisposable
{
    private readonly TcpClient _tcp = new();
    private NetworkStream? _stream;
    private Task<string>? _response;

    public static async Task<RawHttp> ConnectAsync(Uri baseUrl)
    {
        var raw = new RawHttp();
        await raw._tcp.ConnectAsync(baseUrl.Host, baseUrl.Port);
        raw._stream = raw._tcp.GetStream();
        raw._response = raw.ReadResponseAsync();
        return raw;
    }

    private NetworkStream Stream => _stream ?? throw new InvalidOperationException("Not connected.");

    /// <summary>The server's answer (status line, headers, body) once it closes or sends it; empty if it just hung up.</summary>
    public Task<string> Response => _response ?? Task.FromResult(string.Empty);

    public Task WriteAsync(string text) => WriteAsync(Encoding.UTF8.GetBytes(text));

    public async Task WriteAsync(byte[] bytes) => await Stream.WriteAsync(bytes);

    /// <summary>Writes chunks of a chunked body until the server answers; returns the bytes it managed to send.</summary>
    public async Task<long> WriteChunksUntilAnsweredAsync(int chunkSize, long giveUpAfter)
    {
        var chunk = new byte[chunkSize];
        Array.Fill(chunk, (byte)'a');
        var header = Encoding.ASCII.GetBytes($"{chunkSize:X}\r\n");
        var trailer = "\r\n"u8.ToArray();
        long sent = 0;
        try
        {
            while (sent < giveUpAfter && !Response.IsCompleted)
            {
                await Stream.WriteAsync(header);
                await Stream.WriteAsync(chunk);
                await Stream.WriteAsync(trailer);
                sent += chunkSize;
            }
        }
        catch (IOException)
        {
            // The server closed the connection on us: it refused the body, which is the point.
        }

        return sent;
    }

    /// <summary>Drops the connection mid-request (an RST, like a killed client).</summary>
    public void Abort()
    {
        _tcp.Client.LingerState = new LingerOption(true, 0);
        _tcp.Close();
    }

    private async Task<string> ReadResponseAsync()
    {
        var buffer = new byte[64 * 1024];
        var text = new StringBuilder();
        try
        {
            int read;
            while ((read = await Stream.ReadAsync(buffer)) > 0)
            {
                text.Append(Encoding.UTF8.GetString(buffer, 0, read));
                if (IsComplete(text.ToString()))
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
            // Connection reset after (or instead of) the answer: whatever arrived is the answer.
        }

        return text.ToString();
    }

    // Content-Length framed answers are complete once the body has arrived; the API's errors are small JSON bodies.
    private static bool IsComplete(string text)
    {
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (end < 0)
        {
            return false;
        }

        var head = text[..end];
        var marker = head.IndexOf("Content-Length:", StringComparison.OrdinalIgnoreCase);
        if (marker < 0)
        {
            return false;
        }

        var lineEnd = head.IndexOf("\r\n", marker, StringComparison.Ordinal);
        var value = (lineEnd < 0 ? head[(marker + 15)..] : head[(marker + 15)..lineEnd]).Trim();
        return int.TryParse(value, out var length) && Encoding.UTF8.GetByteCount(text[(end + 4)..]) >= length;
    }

    public static int StatusOf(string response) =>
        response.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) && int.TryParse(response.AsSpan(9, 3), out var status) ? status : 0;

    public async ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        if (_response is not null)
        {
            await _response;
        }
    }
}
