namespace FileUploader.Api;

/// <summary>
/// One HTTP request as the shared handling sees it, whichever host received it (Kestrel, or API Gateway's payload 2.0
/// event). Hosts fill it in; nothing here knows where it came from.
/// </summary>
/// <param name="Method">Upper-case method (<c>GET</c>, <c>HEAD</c>, <c>POST</c>…).</param>
/// <param name="Path">The path as sent, without the query (ids never need decoding: a percent sign is simply not an id).</param>
/// <param name="Query">Decoded query parameters; a parameter sent twice is its comma-joined value.</param>
/// <param name="Headers">Request headers; names compare case-insensitively (<see cref="Header"/>).</param>
/// <param name="Body">The request body (the API's JSON bodies are small; bytes of files never pass through here).</param>
/// <param name="PublicBaseUrl">The origin links and status URLs are minted for; never taken from a Host header.</param>
public sealed record ApiRequest(
    string Method,
    string Path,
    IReadOnlyDictionary<string, string?> Query,
    IReadOnlyDictionary<string, string> Headers,
    ReadOnlyMemory<byte> Body,
    Uri PublicBaseUrl)
{
    /// <summary>A header's value, or null; the name is matched case-insensitively whatever the dictionary's comparer.</summary>
    public string? Header(string name)
    {
        if (Headers.TryGetValue(name, out var value))
        {
            return value;
        }

        foreach (var (key, candidate) in Headers)
        {
            if (key.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }
        }

        return null;
    }

    public string? QueryValue(string name) => Query.TryGetValue(name, out var value) ? value : null;

    /// <summary>Base URL without a trailing slash, for building absolute links.</summary>
    public string BaseUrlText => PublicBaseUrl.AbsoluteUri.TrimEnd('/');
}
