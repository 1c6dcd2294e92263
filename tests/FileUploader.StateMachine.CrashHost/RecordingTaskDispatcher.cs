using System.Text;
using System.Text.Json.Nodes;
using FileUploader.StateMachine.Tasks;

namespace FileUploader.StateMachine.CrashHost;

/// <summary>
/// A deterministic task: <c>{"item": n}</c> → <c>{"item": n, "doubled": 2n}</c>, after a short real delay so a kill
/// can land while tasks are in flight. Before running, it appends one line per invocation to the log and fsyncs
/// it, so the test knows every invocation that started, even ones the kill cut short.
/// </summary>
internal sealed class RecordingTaskDispatcher(string logPath, TimeSpan taskDelay) : ITaskDispatcher, IDisposable
{
    private readonly Lock _lock = new();
    private readonly FileStream _log = new(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);

    public async ValueTask<JsonNode?> InvokeAsync(TaskInvocation invocation, CancellationToken cancellationToken)
    {
        var item = invocation.Input?["item"]?.GetValue<int>() ?? throw new TaskFailedException("BadInput", "input has no item");
        Record(new JsonObject
        {
            ["function"] = invocation.FunctionArn,
            ["execution"] = invocation.ExecutionArn,
            ["state"] = invocation.StateName,
            ["attempt"] = invocation.Attempt,
            ["item"] = item,
        });

        await Task.Delay(taskDelay, cancellationToken);
        return new JsonObject { ["item"] = item, ["doubled"] = item * 2 };
    }

    public void Dispose() => _log.Dispose();

    private void Record(JsonObject line)
    {
        var bytes = Encoding.UTF8.GetBytes(line.ToJsonString() + "\n");
        lock (_lock)
        {
            _log.Write(bytes);
            _log.Flush(flushToDisk: true);
        }
    }
}
