using System.Diagnostics;
using System.Text;
using FileUploader.Testing.Fixtures;

namespace FileUploader.Server.Tests.StepFunctionsApi;

/// <summary>
/// moto's server (this machine's Python) on a free loopback port, stopped with the fixture. By default moto's
/// Step Functions records executions without running them (RUNNING until stopped), which is what the
/// name-idempotency and stop tests need.
/// </summary>
public class MotoServer : IAsyncLifetime
{
    /// <summary>Whether moto runs definitions (its <c>/moto-api/config</c> switch <c>execute_state_machine</c>).</summary>
    protected virtual bool ExecuteStateMachines => false;

    private Process? _process;

    public Uri Endpoint { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var port = ServerProcess.FreePort();
        Endpoint = new Uri($"http://127.0.0.1:{port}/");
        var start = new ProcessStartInfo("moto_server", ["-H", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("moto_server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = Endpoint, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                var flag = ExecuteStateMachines ? "true" : "false";
                using var config = new StringContent("{\"stepfunctions\": {\"execute_state_machine\": " + flag + "}}", Encoding.UTF8, "application/json");
                using var response = await http.PostAsync(new Uri("/moto-api/config", UriKind.Relative), config);
                response.EnsureSuccessStatusCode();
                return;
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                // Not listening yet: moto takes a moment to import its services.
                await Task.Delay(100);
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
    }
}

/// <summary>
/// moto running definitions. In moto 5.2.1 only the first execution of a process runs: every later StartExecution
/// answers 500 ("cannot pickle '_thread.RLock'"), whatever the state machine, so a fixture of this kind serves one
/// execution.
/// </summary>
public sealed class ExecutingMotoServer : MotoServer
{
    protected override bool ExecuteStateMachines => true;
}
