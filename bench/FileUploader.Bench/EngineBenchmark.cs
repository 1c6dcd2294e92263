namespace FileUploader.Bench;

// Owned by the helper writing the engine benchmark; replaced by the real suite.
internal static class EngineBenchmark
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.WriteLine("engine benchmark: not written yet");
        return Task.FromResult(1);
    }
}
