using System.Collections.Concurrent;
using FileUploader.Api;

namespace FileUploader.Server.Uploads;

/// <summary>
/// Uploads a request of this process is working on right now (streaming bytes, waiting for the workflow). The sweep
/// leaves them alone; after a restart the set is empty, so whatever the previous process left half-done is fair game.
/// </summary>
internal sealed class InFlightUploads : IActiveUploads
{
    private readonly ConcurrentDictionary<string, byte> _ids = new(StringComparer.Ordinal);

    public Lease Begin(string uploadId)
    {
        _ids[uploadId] = 0;
        return new Lease(this, uploadId);
    }

    public bool Contains(string uploadId) => _ids.ContainsKey(uploadId);

    public bool IsEmpty => _ids.IsEmpty;

    public readonly struct Lease(InFlightUploads owner, string uploadId) : IDisposable
    {
        public void Dispose() => owner._ids.TryRemove(uploadId, out _);
    }
}
