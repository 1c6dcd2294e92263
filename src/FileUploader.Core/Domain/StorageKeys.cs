namespace FileUploader.Core.Domain;

/// <summary>The two places an object lives: staged while the workflow checks it, then promoted.</summary>
public static class StorageKeys
{
    public const string StagingPrefix = "staging/";
    public const string FilesPrefix = "files/";

    public static string Staging(string uploadId) => StagingPrefix + uploadId;

    public static string File(string fileId) => FilesPrefix + fileId;
}
