namespace FileUploader.Server.Api;

internal static class QueryParameters
{
    /// <summary>
    /// The decoded query as the link verifier wants it: a parameter sent twice becomes its comma-joined value, which
    /// then fails verification instead of one copy being silently picked.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> Of(HttpRequest request)
    {
        var result = new Dictionary<string, string?>(request.Query.Count, StringComparer.Ordinal);
        foreach (var (name, values) in request.Query)
        {
            result[name] = values.Count == 1 ? values[0] : string.Join(',', values.ToArray());
        }

        return result;
    }
}
