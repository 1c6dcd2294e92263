namespace FileUploader.Bench;

// Owned by the helper writing the upload benchmark; replaced by the real suite.
internal static class UploadBenchmark
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.WriteLine("upload benchmark: not written yet");
        return Task.FromResult(1);
    }
}
