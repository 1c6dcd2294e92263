namespace FileUploader.Bench;

// Owned by the helper writing the coldstart benchmark; replaced by the real suite.
internal static class ColdStartBenchmark
{
    public static Task<int> RunAsync(string[] args)
    {
        Console.WriteLine("coldstart benchmark: not written yet");
        return Task.FromResult(1);
    }
}
