using FileUploader.Api;
using Microsoft.Net.Http.Headers;

namespace FileUploader.Server.Api;

/// <summary>
/// One byte range of a file (RFC 9110 §14). Only a single range is honoured; a multi-range or malformed header is
/// ignored and the whole file served, which the RFC allows. A range past the end is 416.
/// </summary>
internal readonly record struct ByteRange(long Offset, long Length)
{
    /// <summary>Null for "serve it all"; throws <see cref="ApiException"/> 416 for an unsatisfiable range.</summary>
    public static ByteRange? Parse(HttpRequest request, long size, string etag)
    {
        var header = request.Headers.Range.ToString();
        if (string.IsNullOrEmpty(header) || !RangeHeaderValue.TryParse(header, out var parsed)
            || !"bytes".Equals(parsed.Unit.Value, StringComparison.OrdinalIgnoreCase) || parsed.Ranges.Count != 1)
        {
            return null;
        }

        // If-Range: a client holding an older copy gets the whole new one instead of a spliced mix.
        var ifRange = request.Headers.IfRange.ToString();
        if (ifRange.Length > 0 && ifRange != etag)
        {
            return null;
        }

        var range = parsed.Ranges.First();
        long offset;
        long end;
        if (range.From is null)
        {
            var suffix = range.To ?? 0;
            if (suffix <= 0 || size == 0)
            {
                throw Unsatisfiable(size);
            }

            offset = Math.Max(0, size - suffix);
            end = size - 1;
        }
        else
        {
            offset = range.From.Value;
            end = Math.Min(range.To ?? size - 1, size - 1);
            if (offset >= size || end < offset)
            {
                throw Unsatisfiable(size);
            }
        }

        return new ByteRange(offset, end - offset + 1);
    }

    private static ApiException Unsatisfiable(long size) =>
        new(StatusCodes.Status416RangeNotSatisfiable, "RangeNotSatisfiable", $"The file has {size} bytes; the requested range is outside it.");
}
