using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace FileUploader.StateMachine.CrashTests;

/// <summary>The crash host as a child process: commands over stdin, answers over stdout, SIGKILL on demand.</summary>
internal sealed class CrashHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonObject>> _waiting = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _errors = [];
    private int _nextId;

    private CrashHostProcess(Process process) => _process = process;

    /// <param name="moveRunLog">False: the host's journal keeps one-batch executions in its run log until a read moves them.</param>
    public static async Task<CrashHostProcess> StartAsync(string journalPath, string logPath, int taskDelayMs, bool moveRunLog = true)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(HostAssembly());
        start.ArgumentList.Add(journalPath);
        start.ArgumentList.Add(logPath);
        start.ArgumentList.Add(taskDelayMs.ToString(CultureInfo.InvariantCulture));
        if (!moveRunLog)
        {
            start.ArgumentList.Add("no-mover");
        }

        var host = new CrashHostProcess(Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start"));
        host._process.OutputDataReceived += (_, e) => host.OnLine(e.Data);
        host._process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (host._errors)
                {
                    host._errors.Add(e.Data);
                }
            }
        };
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        await host._ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return host;
    }

    public async Task<JsonObject> SendAsync(JsonObject command)
    {
        var id = Interlocked.Increment(ref _nextId);
        command["id"] = id;
        var answer = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[id] = answer;
        await _process.StandardInput.WriteLineAsync(command.ToJsonString());
        await _process.StandardInput.FlushAsync();
        var result = await answer.Task.WaitAsync(TimeSpan.FromSeconds(120));
        if (result["ok"]?.GetValue<bool>() != true)
        {
            throw new InvalidOperationException($"crash host refused {command.ToJsonString()}: {result.ToJsonString()}");
        }

        return result;
    }

    /// <summary>SIGKILL: no shutdown code runs, nothing buffered is flushed.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>Closes stdin (the host drains its commands and exits) and waits for the exit.</summary>
    public async Task StopAsync()
    {
        _process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            foreach (var waiting in _waiting.Values)
            {
                waiting.TrySetException(new InvalidOperationException("crash host exited: " + string.Join('\n', _errors)));
            }

            return;
        }

        if (line == "ready")
        {
            _ready.TrySetResult();
            return;
        }

        var answer = JsonNode.Parse(line)!.AsObject();
        if (answer["id"]?.GetValue<int>() is { } id && _waiting.TryRemove(id, out var waiter))
        {
            waiter.TrySetResult(answer);
        }
    }

    private static string HostAssembly()
    {
        // Same configuration as this test assembly: tests/FileUploader.StateMachine.CrashTests/bin/<Config>/net10.0/.
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = testOutput.Parent!.Name;
        var testsDirectory = testOutput.Parent.Parent!.Parent!.Parent!.FullName;
        var path = Path.Combine(testsDirectory, "FileUploader.StateMachine.CrashHost", "bin", configuration, "net10.0", "FileUploader.StateMachine.CrashHost.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("Build the crash host first.", path);
    }
}
