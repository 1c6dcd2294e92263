using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace FileUploader.Testing.Fixtures;

/// <summary>
/// A third-party server (moto, s3rver, dynalite) as a child process on a free loopback port: started, waited for
/// until its port accepts connections, and killed (with its children) on dispose. When the environment variable
/// named by the fixture is set, nothing is started and the tests aim at that endpoint instead (a real AWS
/// endpoint, or a server someone already runs); credentials then come from the SDK's usual chain.
/// </summary>
public abstract class LoopbackServer : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private Process? _process;
    private Uri? _serviceUrl;

    /// <summary>Where the server answers, e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri ServiceUrl => _serviceUrl ?? throw new InvalidOperationException("The server has not been started.");

    /// <summary>True when the tests aim at an endpoint from the environment rather than a process started here.</summary>
    public bool IsExternal { get; private set; }

    /// <summary>The access key the local server accepts (s3rver checks signatures against its own pair).</summary>
    public virtual string AccessKeyId => "test";

    public virtual string SecretAccessKey => "test";

    /// <summary>What the server printed, for failure messages.</summary>
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

    /// <summary>The environment variable that, when set, replaces the local server with that URL.</summary>
    protected abstract string EndpointVariable { get; }

    protected abstract ProcessStartInfo CreateStartInfo(int port);

    public async Task StartAsync()
    {
        if (Environment.GetEnvironmentVariable(EndpointVariable) is { Length: > 0 } external)
        {
            _serviceUrl = new Uri(external);
            IsExternal = true;
            return;
        }

        var port = FreePort();
        var start = CreateStartInfo(port);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        _process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start.");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _serviceUrl = new Uri($"http://127.0.0.1:{port}/");
        await WaitForPortAsync(port, TimeSpan.FromSeconds(60));
    }

    /// <summary>A port nothing listens on right now (the OS picks it; the server binds it a moment later).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync();
            _process.Dispose();
            _process = null;
        }

        GC.SuppressFinalize(this);
    }

    private async Task WaitForPortAsync(int port, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"{_process.StartInfo.FileName} exited with {_process.ExitCode} before listening:\n{Output}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, deadline.Token);
                return;
            }
            catch (SocketException)
            {
                // Not listening yet: the server is still starting (moto imports take a second or two).
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{_process.StartInfo.FileName} did not listen on {port} within {timeout}:\n{Output}");
            }

            try
            {
                // Polling the port is the only readiness signal these servers give (none prints one reliably).
                await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{_process.StartInfo.FileName} did not listen on {port} within {timeout}:\n{Output}");
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            // Keep the tail only: a chatty server must not grow memory for the whole run.
            if (_output.Length > 64 * 1024)
            {
                _output.Remove(0, _output.Length - 32 * 1024);
            }

            _output.AppendLine(line);
        }
    }
}
