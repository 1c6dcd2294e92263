using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using FileUploader.Testing.Fixtures;

namespace FileUploader.Lambda.Tests.Native;

/// <summary>
/// Publishes the <c>bootstrap</c> with Native AOT once per test run (per output path) and hands out its path.
/// The publish is the expensive part (a minute or two on a cold box); every test of the collection shares it.
/// </summary>
public sealed class NativeBootstrapFixture : IAsyncLifetime
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<PublishResult>>> Published = new(StringComparer.Ordinal);

    public static string OutputDirectory { get; } = Path.Combine(RepositoryPaths.Root, "artifacts", "lambda-tests", "bootstrap-aot");

    public string BootstrapPath => Path.Combine(OutputDirectory, "bootstrap");

    public PublishResult Publish { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Publish = await Published.GetOrAdd(OutputDirectory, dir => new Lazy<Task<PublishResult>>(() => PublishAsync(dir))).Value;

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task<PublishResult> PublishAsync(string outputDirectory)
    {
        var project = Path.Combine(RepositoryPaths.Root, "src", "FileUploader.Lambda", "FileUploader.Lambda.csproj");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "publish", project, "-c", "Release", "-r", "linux-x64", "-o", outputDirectory, "-nologo", "-clp:NoSummary" })
        {
            start.ArgumentList.Add(argument);
        }

        var output = new StringBuilder();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet publish did not start.");
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        var text = Lock(output, () => output.ToString());
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish (Native AOT) failed with exit code {process.ExitCode}:{Environment.NewLine}{text}");
        }

        return new PublishResult(text);
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            Lock(output, () => output.AppendLine(line));
        }
    }

    private static T Lock<T>(StringBuilder output, Func<T> action)
    {
        lock (output)
        {
            return action();
        }
    }
}

public sealed record PublishResult(string Output);

[CollectionDefinition(Name)]
public sealed class NativeBootstrapCollection
    : ICollectionFixture<NativeBootstrapFixture>, ICollectionFixture<S3rverFixture>, ICollectionFixture<DynaliteFixture>
{
    public const string Name = "native bootstrap";
}

/// <summary>A running native bootstrap: its environment is what Lambda would set; killed on dispose.</summary>
public sealed class BootstrapProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private BootstrapProcess(Process process) => _process = process;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static BootstrapProcess Start(string path, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // Only what Lambda would give the function (plus PATH): nothing leaks in from the test runner's environment.
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/bin:/bin";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{path} did not start.");
        var running = new BootstrapProcess(process);
        process.OutputDataReceived += (_, e) => running.Append(e.Data);
        process.ErrorDataReceived += (_, e) => running.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
    }

    /// <summary>Waits for the process to exit by itself (generous timeout) and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public bool HasExited => _process.HasExited;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
