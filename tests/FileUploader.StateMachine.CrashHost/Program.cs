// The crash test's victim: a WorkflowEngine on a SQLite journal in its own process, so a test can SIGKILL it
// mid-execution and start it again on the same journal.
//
// Usage: FileUploader.StateMachine.CrashHost <journal.db> <invocations.log> [taskDelayMs] [no-mover]
//
// no-mover: the journal's run log is not moved into SQLite in the background (only before a read of a run row), so
// executions that ended in one batch are still only in the log when the process is killed.
//
// Control channel: one JSON command per line on stdin, one JSON answer per line on stdout:
//   {"op":"create","name":…,"definition":…}                → {"ok":true,"arn":…}
//   {"op":"start","stateMachineArn":…,"name":…,"input":…}  → {"ok":true,"executionArn":…}
//   {"op":"startSync","stateMachineArn":…,"name":…,"input":…} → {"ok":true,"executionArn":…,"status":…,"output":…}
//   {"op":"wait","executionArn":…}                         → {"ok":true,"status":…,"output":…,"error":…,"cause":…}
//   {"op":"history","executionArn":…}                      → {"ok":true,"types":[…]}
// A command's failure answers {"ok":false,"error":…}. "ready" is printed once the journal is recovered.
using System.Globalization;
using System.Text.Json.Nodes;
using FileUploader.StateMachine.CrashHost;
using FileUploader.StateMachine.Journal;
using FileUploader.StateMachine.Service;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: FileUploader.StateMachine.CrashHost <journal.db> <invocations.log> [taskDelayMs] [no-mover]");
    return 2;
}

var taskDelay = TimeSpan.FromMilliseconds(args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 50);
var moveInBackground = !(args.Length > 3 && args[3] == "no-mover");
using var journal = SqliteExecutionJournal.Open(args[0], JournalDurability.Normal, new RunLogOptions(MoveInBackground: moveInBackground));
using var dispatcher = new RecordingTaskDispatcher(args[1], taskDelay);
await using var engine = new WorkflowEngine(new EngineOptions(), dispatcher, journal, TimeProvider.System);
await engine.RecoverAsync(CancellationToken.None);

var output = Console.Out;
await output.WriteLineAsync("ready");
await output.FlushAsync();

// Commands run concurrently (a "wait" must not block a later "start"); answers are written under a lock.
var writeLock = new SemaphoreSlim(1, 1);
var pending = new List<Task>();
while (await Console.In.ReadLineAsync() is { } line)
{
    if (line.Length > 0)
    {
        pending.Add(HandleAsync(line));
    }
}

await Task.WhenAll(pending);
return 0;

async Task HandleAsync(string line)
{
    JsonObject answer;
    try
    {
        var command = JsonNode.Parse(line)!.AsObject();
        answer = await CommandHandler.RunAsync(engine, command);
        answer["id"] = command["id"]?.DeepClone();
    }
    catch (Exception exception) when (exception is StepFunctionsException or System.Text.Json.JsonException or InvalidOperationException)
    {
        answer = new JsonObject { ["ok"] = false, ["error"] = exception.Message };
    }

    await writeLock.WaitAsync();
    try
    {
        await output.WriteLineAsync(answer.ToJsonString());
        await output.FlushAsync();
    }
    finally
    {
        writeLock.Release();
    }
}
