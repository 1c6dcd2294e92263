using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FileUploader.Bench;

/// <summary>
/// Cold start of the Lambda <c>bootstrap</c>: process start → its first <c>GET /runtime/invocation/next</c>, the
/// moment Lambda considers the function initialised. Publishes the host twice (Native AOT, and a framework-dependent
/// JIT build of the same project), starts each <c>--runs</c> times against a one-shot Runtime API listener on
/// loopback, alternating the two, and prints median/min/p90 and the size of what would be deployed.
/// Usage: <c>coldstart [--runs 20] [--handler Validate] [--no-publish]</c>.
/// </summary>
internal static class ColdStartBenchmark
{
    private const double TargetMilliseconds = 50;

    public static async Task<int> RunAsync(string[] args)
    {
        var runs = int.Parse(Option(args, "--runs") ?? "20", CultureInfo.InvariantCulture);
        var handler = Option(args, "--handler") ?? "Validate";
        var root = FindRepositoryRoot();
        var project = Path.Combine(root, "src", "FileUploader.Lambda", "FileUploader.Lambda.csproj");
        var aotDir = Path.Combine(root, "artifacts", "coldstart", "aot");
        var jitDir = Path.Combine(root, "artifacts", "coldstart", "jit");

        if (!args.Contains("--no-publish"))
        {
            Console.WriteLine("Publishing the bootstrap: Native AOT, then JIT (framework-dependent)...");
            // PublishAot=true is the project's own setting; as a global property it would reach the
            // netstandard2.0 generator too, which cannot be AOT-compiled.
            await PublishAsync(project, aotDir);
            await PublishAsync(project, jitDir, "-p:PublishAot=false", "--self-contained", "false");
        }

        var variants = new[]
        {
            new Variant("Native AOT", Path.Combine(aotDir, "bootstrap"), FileSize(Path.Combine(aotDir, "bootstrap"))),
            new Variant("JIT, framework-dependent", Path.Combine(jitDir, "bootstrap"), DirectorySize(jitDir)),
        };
        var samples = variants.ToDictionary(v => v, _ => new List<double>());

        // One warm-up start each (page cache, first-run disk reads), then alternate so drift hits both alike.
        foreach (var variant in variants)
        {
            await MeasureOnceAsync(variant, handler);
        }

        for (var i = 0; i < runs; i++)
        {
            foreach (var variant in variants)
            {
                samples[variant].Add(await MeasureOnceAsync(variant, handler));
            }
        }

        Console.WriteLine();
        Console.WriteLine($"Lambda bootstrap cold start: process start -> first GET /next ({runs} runs each, _HANDLER={handler}, {Environment.ProcessorCount} cores)");
        Console.WriteLine();
        Console.WriteLine("| Build                     | median ms | min ms | p90 ms | size             |");
        Console.WriteLine("|---------------------------|----------:|-------:|-------:|------------------|");
        foreach (var variant in variants)
        {
            var sorted = samples[variant].Order().ToList();
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {variant.Name,-25} | {Percentile(sorted, 0.5),9:F1} | {sorted[0],6:F1} | {Percentile(sorted, 0.9),6:F1} | {Megabytes(variant.Size),-16} |"));
        }

        var aotMedian = Percentile(samples[variants[0]].Order().ToList(), 0.5);
        Console.WriteLine();
        Console.WriteLine("Size: AOT = the single `bootstrap` file deployed to provided.al2023; JIT = the publish folder without the");
        Console.WriteLine("shared .NET runtime it needs (provided.al2023 has none, so a JIT deployment would also carry the runtime).");
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Target: AOT median under {TargetMilliseconds} ms: {(aotMedian < TargetMilliseconds ? "met" : "MISSED")} ({aotMedian:F1} ms)."));
        return aotMedian < TargetMilliseconds ? 0 : 1;
    }

    /// <summary>Starts the bootstrap against a fresh listener and returns milliseconds until its /next request arrived.</summary>
    private static async Task<double> MeasureOnceAsync(Variant variant, string handler)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var start = new ProcessStartInfo(variant.Path)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["AWS_LAMBDA_RUNTIME_API"] = $"127.0.0.1:{port}";
        start.Environment["_HANDLER"] = handler;
        start.Environment["AWS_LAMBDA_FUNCTION_NAME"] = "fileuploader-coldstart";
        start.Environment["AWS_REGION"] = "us-east-1";
        start.Environment["BUCKET_NAME"] = "coldstart-bucket";
        start.Environment["TABLE_NAME"] = "coldstart-table";
        // Lambda puts the role's session credentials in the environment; the API function resolves them at init.
        start.Environment["AWS_ACCESS_KEY_ID"] = "ASIACOLDSTARTEXAMPLE";
        start.Environment["AWS_SECRET_ACCESS_KEY"] = "coldstart-secret";
        start.Environment["AWS_SESSION_TOKEN"] = "coldstart-session";
        // What template.yaml gives the API function (Handler HttpApi); the step functions ignore it.
        start.Environment["EXPIRY_STATE_MACHINE_ARN"] = "arn:aws:states:us-east-1:123456789012:stateMachine:coldstart-expiry";
        start.Environment["DOTNET_ROOT"] = DotnetRoot();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{variant.Path} did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var client = await listener.AcceptTcpClientAsync(timeout.Token);
            var request = await ReadRequestLineAsync(client.GetStream(), timeout.Token);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (!request.StartsWith("GET /2018-06-01/runtime/invocation/next", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{variant.Name}: expected GET /next first, got '{request}' (is _HANDLER={handler} a step or HttpApi?).");
            }

            return elapsed;
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }

    private static async Task<string> ReadRequestLineAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[1024];
        var line = new StringBuilder();
        while (true)
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                return line.ToString();
            }

            line.Append(Encoding.ASCII.GetString(buffer, 0, read));
            var end = line.ToString().IndexOf("\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                return line.ToString()[..end];
            }
        }
    }

    private static async Task PublishAsync(string project, string output, params string[] extra)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        foreach (var argument in new[] { "publish", project, "-c", "Release", "-r", "linux-x64", "-o", output, "-nologo", "-v", "quiet" }.Concat(extra))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet publish did not start.");
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish {string.Join(' ', extra)} failed with exit code {process.ExitCode}.");
        }
    }

    private static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        var rank = p * (sorted.Count - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return sorted[low] + ((sorted[high] - sorted[low]) * (rank - low));
    }

    private static long FileSize(string path) => new FileInfo(path).Length;

    // Symbols (.pdb, .dbg) are not deployed.
    private static long DirectorySize(string path) => new DirectoryInfo(path)
        .EnumerateFiles("*", SearchOption.AllDirectories)
        .Where(f => f.Extension is not ".pdb" and not ".dbg")
        .Sum(f => f.Length);

    private static string Megabytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024.0:F1} MB");

    private static string DotnetRoot() =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", ".."));

    private static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FileUploader.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No FileUploader.sln above {AppContext.BaseDirectory}.");
    }

    private sealed record Variant(string Name, string Path, long Size);
}
