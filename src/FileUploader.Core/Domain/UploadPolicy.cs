namespace FileUploader.Core.Domain;

/// <summary>
/// What the service accepts and how long links live. Hosts register one instance in DI (from their command line or
/// environment); the steps and the HTTP API read the same instance, so the limits agree everywhere.
/// </summary>
/// <param name="MinBytes">Smallest accepted file; 1 refuses empty files.</param>
/// <param name="MaxBytes">Largest accepted file.</param>
/// <param name="DeniedContentTypes">Media types refused whether declared or sniffed from the bytes (lower case).</param>
/// <param name="MaxLinkLifetime">No link, whatever the uploader asked, lives longer.</param>
/// <param name="DefaultLinkLifetime">The lifetime when the uploader does not choose one.</param>
public sealed record UploadPolicy(
    long MinBytes,
    long MaxBytes,
    IReadOnlySet<string> DeniedContentTypes,
    TimeSpan MaxLinkLifetime,
    TimeSpan DefaultLinkLifetime)
{
    /// <summary>Executables, by the types their magic bytes are sniffed as and their common aliases.</summary>
    public static IReadOnlySet<string> ExecutableContentTypes { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "application/x-msdownload",
        "application/x-dosexec",
        "application/vnd.microsoft.portable-executable",
        "application/x-executable",
        "application/x-elf",
        "application/x-mach-binary",
    };

    /// <summary>1 byte to 5 GiB, executables refused, links for one hour (at most seven days).</summary>
    public static UploadPolicy Default { get; } = new(
        MinBytes: 1,
        MaxBytes: 5L * 1024 * 1024 * 1024,
        DeniedContentTypes: ExecutableContentTypes,
        MaxLinkLifetime: TimeSpan.FromDays(7),
        DefaultLinkLifetime: TimeSpan.FromHours(1));
}
