using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FileUploader.StateMachine.Journal;
using FileUploader.StateMachine.Service;
using FileUploader.StateMachine.Tasks;

namespace FileUploader.Bench;

/// <summary>
/// Issue 3's engine benchmark: executions/s and state transitions/s of our engine (in-memory and journaled to a
/// SQLite file) next to the npm package aws-local-stepfunctions, on three workloads, in one run, with the ratios
/// against the targets (in-memory ≥ 20× the peer, journaled ≥ 5×).
/// </summary>
/// <remarks>
/// Every engine runs each workload's executions one after another (start, await the end), after a warm-up, for
/// the same wall-clock time; then again with <c>--concurrency</c> (16) executions in flight on every engine, the
/// throughput a server sees. State transitions are counted as AWS bills them: one per state entered, including
/// states inside Map iterations and Parallel branches, so a workload's count is the same for every engine.
/// Usage: <c>dotnet run -c Release --project bench/FileUploader.Bench -- engine [--seconds N] [--warmup N]</c>.
/// </remarks>
internal static class EngineBenchmark
{
    private const double InMemoryTarget = 20;
    private const double JournaledTarget = 5;

    private sealed record Workload(string Name, string Definition, string Input, int TransitionsPerExecution);

    private sealed record Measurement(long Executions, double Seconds, string? Output)
    {
        public double ExecutionsPerSecond => Executions / Seconds;

        /// <summary>
        /// CPU time of the whole process (every thread: collector, WAL flusher) over the measured part; ours only. On a
        /// shared box it moves far less between runs than executions per second do.
        /// </summary>
        public double? CpuSeconds { get; init; }

        /// <summary>
        /// Bytes allocated by the whole process over the measured part; ours only. Unlike time it does not depend on what
        /// else runs on the box, and with executions in flight it sets how often the collector stops every thread.
        /// </summary>
        public long? AllocatedBytes { get; init; }

        /// <summary>The same workload with <c>--concurrency</c> executions in flight (the peer's run only).</summary>
        public Measurement? Concurrent { get; init; }
    }

    private static readonly Workload[] Workloads =
    [
        new("pass-chain-5", PassChainDefinition(), """{"order":{"id":"o-1","qty":3,"customer":{"name":"Ada","tier":"gold"}},"meta":{"source":"bench"}}""", 5),
        new("map-1000-choice-pass", MapDefinition(), MapInput(), 1 + (1000 * 2)),
        new("parallel-4x5-pass", ParallelDefinition(), """{"value":1}""", 1 + (4 * 5)),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = OptionValue(args, "--seconds") ?? 3;
        // Long enough for tiered compilation (and V8's optimiser, on the peer's side) to settle on this 2-core box.
        var warmup = OptionValue(args, "--warmup") ?? 2;

        // Executions in flight at once for the concurrent journaled column (and the peer's counterpart).
        var concurrency = (int)(OptionValue(args, "--concurrency") ?? 16);

        // `engine --profile <workload> [--journaled] [--concurrency N]`: only our engine on one workload, for a profiler to attach to
        // (dotnet-trace collect -- dotnet FileUploader.Bench.dll engine --profile pass-chain-5).
        var profileIndex = Array.IndexOf(args, "--profile");
        if (profileIndex >= 0 && profileIndex + 1 < args.Length)
        {
            var workload = Workloads.Single(w => w.Name == args[profileIndex + 1]);
            var journalPath = args.Contains("--journaled") ? Path.Combine(Path.GetTempPath(), $"fileuploader-bench-{Guid.NewGuid():N}.db") : null;
            try
            {
                var allocatedBefore = GC.GetTotalAllocatedBytes();
                var collectionsBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
                var measured = await RunEngineAsync(workload, journalPath, seconds, warmup, (int)(OptionValue(args, "--concurrency") ?? 1));
                var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{workload.Name}: {measured.ExecutionsPerSecond:N1} exec/s, CPU {measured.CpuSeconds * 1e6 / measured.Executions:N2} µs/exec; warm-up and run allocated {allocated / 1024.0 / 1024.0:N0} MiB, " +
                    $"GCs gen0/1/2: {GC.CollectionCount(0) - collectionsBefore.Item1}/{GC.CollectionCount(1) - collectionsBefore.Item2}/{GC.CollectionCount(2) - collectionsBefore.Item3}, " +
                    $"GC pause {GC.GetTotalPauseDuration().TotalMilliseconds:N0} ms; measured part allocated {measured.AllocatedBytes / (double)measured.Executions:N0} B/exec"));
                return 0;
            }
            finally
            {
                DeleteJournal(journalPath);
            }
        }

        // `--rounds N`: the whole comparison N times over, then the median of each figure. On a shared box a slow spell
        // lasts a minute or two and can fall on either side of one comparison; the median of alternating rounds does not
        // depend on where one spell fell. Every round's table is printed too.
        var rounds = (int)(OptionValue(args, "--rounds") ?? 1);
        Console.WriteLine($"Engine benchmark: {seconds:0.#} s per engine and workload after {warmup:0.#} s warm-up, executions run one at a time; " +
            $"then every engine with {concurrency} executions in flight" + (rounds > 1 ? $"; {rounds} rounds, then their medians." : "."));

        var allRounds = new List<List<Row>>();
        for (var round = 1; round <= rounds; round++)
        {
            if (rounds > 1)
            {
                Console.WriteLine();
                Console.WriteLine($"Round {round} of {rounds}:");
            }

            var rows = await RunRoundAsync(seconds, warmup, concurrency);
            allRounds.Add(rows);
            if (rounds > 1)
            {
                PrintTable(rows, concurrency);
            }
        }

        if (rounds == 1)
        {
            return PrintTable(allRounds[0], concurrency);
        }

        Console.WriteLine();
        Console.WriteLine($"Median of the {rounds} rounds (each figure on its own):");
        return PrintTable(MedianRows(allRounds), concurrency);
    }

    private static async Task<List<Row>> RunRoundAsync(double seconds, double warmup, int concurrency)
    {
        var peer = await RunPeerAsync(seconds, warmup, concurrency);
        var rows = new List<Row>();
        foreach (var workload in Workloads)
        {
            var inMemory = await RunEngineAsync(workload, journalPath: null, seconds, warmup);
            var inMemoryConcurrent = await RunEngineAsync(workload, journalPath: null, seconds, warmup, concurrency);
            var journalPath = Path.Combine(Path.GetTempPath(), $"fileuploader-bench-{Guid.NewGuid():N}.db");
            var concurrentJournalPath = Path.Combine(Path.GetTempPath(), $"fileuploader-bench-{Guid.NewGuid():N}.db");
            try
            {
                var journaled = await RunEngineAsync(workload, journalPath, seconds, warmup);
                var journaledConcurrent = await RunEngineAsync(workload, concurrentJournalPath, seconds, warmup, concurrency);
                rows.Add(new Row(workload, peer[workload.Name], inMemory, journaled, inMemoryConcurrent, journaledConcurrent));
            }
            finally
            {
                DeleteJournal(journalPath);
                DeleteJournal(concurrentJournalPath);
            }
        }

        return rows;
    }

    /// <summary>Per workload, each measurement's median round by executions per second (its CPU figure comes with it).</summary>
    private static List<Row> MedianRows(List<List<Row>> rounds) =>
        [.. Workloads.Select((workload, i) =>
        {
            var rows = rounds.Select(round => round[i]).ToList();
            var peer = Median(rows.Select(r => r.Peer));
            var peerConcurrent = rows.Any(r => r.Peer.Concurrent is null) ? null : Median(rows.Select(r => r.Peer.Concurrent!));
            return new Row(
                workload,
                peer with { Concurrent = peerConcurrent },
                Median(rows.Select(r => r.InMemory)),
                Median(rows.Select(r => r.Journaled)),
                Median(rows.Select(r => r.InMemoryConcurrent)),
                Median(rows.Select(r => r.JournaledConcurrent)));
        })];

    private static Measurement Median(IEnumerable<Measurement> measured)
    {
        var sorted = measured.OrderBy(m => m.ExecutionsPerSecond).ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>One workload's measurements: each engine one execution at a time, then ours with N in flight.</summary>
    private sealed record Row(Workload Workload, Measurement Peer, Measurement InMemory, Measurement Journaled, Measurement InMemoryConcurrent, Measurement JournaledConcurrent);

    private static int PrintTable(List<Row> rows, int concurrency)
    {
        var missed = 0;
        Console.WriteLine();
        Console.WriteLine("One execution at a time:");
        Console.WriteLine();
        Console.WriteLine("| workload | transitions/exec | aws-local-stepfunctions exec/s | in-memory exec/s | journaled exec/s | aws-local-stepfunctions transitions/s | in-memory transitions/s | journaled transitions/s | in-memory ÷ peer (≥20×) | journaled ÷ peer (≥5×) | same output |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|");
        foreach (var row in rows)
        {
            var (inMemory, journaled, peer) = (row.InMemory, row.Journaled, row.Peer);
            var inMemoryRatio = inMemory.ExecutionsPerSecond / peer.ExecutionsPerSecond;
            var journaledRatio = journaled.ExecutionsPerSecond / peer.ExecutionsPerSecond;
            var sameOutput = SameJson(peer.Output, inMemory.Output) && SameJson(peer.Output, journaled.Output);
            missed += inMemoryRatio < InMemoryTarget ? 1 : 0;
            missed += journaledRatio < JournaledTarget ? 1 : 0;
            missed += sameOutput ? 0 : 1;
            var t = row.Workload.TransitionsPerExecution;
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {row.Workload.Name} | {t:N0} | {peer.ExecutionsPerSecond:N1} | {inMemory.ExecutionsPerSecond:N1} | {journaled.ExecutionsPerSecond:N1} " +
                $"| {peer.ExecutionsPerSecond * t:N0} | {inMemory.ExecutionsPerSecond * t:N0} | {journaled.ExecutionsPerSecond * t:N0} " +
                $"| {inMemoryRatio:N1}×{Mark(inMemoryRatio, InMemoryTarget)} | {journaledRatio:N1}×{Mark(journaledRatio, JournaledTarget)} | {(sameOutput ? "yes" : "NO")} |"));
        }

        // CPU per execution moves far less than executions per second when something else shares the box.
        Console.WriteLine();
        foreach (var row in rows)
        {
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"CPU per execution, {row.Workload.Name}: in-memory {CpuMicroseconds(row.InMemory)}, journaled {CpuMicroseconds(row.Journaled)} (whole process)"));
        }

        var missedOneAtATime = missed;

        // Throughput when executions overlap, as they do behind a server: the same number in flight on both sides
        // (the peer with Promise.all). Our engine can use every core and share journal commits (group commit);
        // the peer runs on Node's one thread, which is how that package works.
        Console.WriteLine();
        Console.WriteLine($"{concurrency} executions in flight (throughput):");
        Console.WriteLine();
        Console.WriteLine($"| workload | aws-local-stepfunctions exec/s | in-memory exec/s | journaled exec/s | in-memory ÷ peer (≥20×) | journaled ÷ peer (≥5×) | same output |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|:---:|");
        foreach (var row in rows)
        {
            var peer = row.Peer.Concurrent ?? row.Peer;
            var inMemoryRatio = row.InMemoryConcurrent.ExecutionsPerSecond / peer.ExecutionsPerSecond;
            var journaledRatio = row.JournaledConcurrent.ExecutionsPerSecond / peer.ExecutionsPerSecond;
            var sameOutput = SameJson(row.Peer.Output, row.InMemoryConcurrent.Output) && SameJson(row.Peer.Output, row.JournaledConcurrent.Output);
            missed += inMemoryRatio < InMemoryTarget ? 1 : 0;
            missed += journaledRatio < JournaledTarget ? 1 : 0;
            missed += sameOutput ? 0 : 1;
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {row.Workload.Name} | {peer.ExecutionsPerSecond:N1} | {row.InMemoryConcurrent.ExecutionsPerSecond:N1} | {row.JournaledConcurrent.ExecutionsPerSecond:N1} " +
                $"| {inMemoryRatio:N1}×{Mark(inMemoryRatio, InMemoryTarget)} | {journaledRatio:N1}×{Mark(journaledRatio, JournaledTarget)} | {(sameOutput ? "yes" : "NO")} |"));
        }

        Console.WriteLine();
        Console.WriteLine(missed == 0
            ? "All targets met."
            : $"Targets missed (marked ✗): {missedOneAtATime} one at a time, {missed - missedOneAtATime} with {concurrency} in flight.");
        return missed == 0 ? 0 : 1;
    }

    private static string CpuMicroseconds(Measurement measured) =>
        measured.CpuSeconds is { } cpu ? string.Create(CultureInfo.InvariantCulture, $"{cpu * 1e6 / measured.Executions:N2} µs") : "n/a";

    private static string Mark(double ratio, double target) => ratio >= target ? " ✓" : " ✗";

    private static async Task<Measurement> RunEngineAsync(Workload workload, string? journalPath, double seconds, double warmup, int concurrency = 1)
    {
        using var sqlite = journalPath is null ? null : SqliteExecutionJournal.Open(journalPath);
        IExecutionJournal journal = sqlite ?? (IExecutionJournal)new InMemoryExecutionJournal();
        await using var engine = new WorkflowEngine(new EngineOptions(), new NoTasks(), journal, TimeProvider.System);
        await engine.RecoverAsync(CancellationToken.None);
        var machine = await engine.CreateStateMachineAsync(
            new CreateStateMachineRequest("bench-" + workload.Name, workload.Definition, RoleArn: null, Type: null), CancellationToken.None);

        if (concurrency > 1)
        {
            await RunConcurrentForAsync(engine, machine.StateMachineArn, workload.Input, warmup, concurrency);
            return await RunConcurrentForAsync(engine, machine.StateMachineArn, workload.Input, seconds, concurrency);
        }

        await RunForAsync(engine, machine.StateMachineArn, workload.Input, warmup);
        return await RunForAsync(engine, machine.StateMachineArn, workload.Input, seconds);
    }

    /// <summary>
    /// <paramref name="concurrency"/> callers, each starting its next execution when the previous one ended, as that many
    /// clients of a server would. A caller is not a thread: between executions it yields, so its next start is a new
    /// work item of the thread pool, the way a server's next request is, and the pool decides how many threads run them
    /// (it adds threads when a start blocks, e.g. on a commit). Giving each caller a thread of its own (as this did
    /// until session 7) measured 18 busy threads on 2 cores: every collection had to stop threads the scheduler had
    /// preempted, and its pauses grew about fourfold (0.5–0.7 ms a gen0 collection instead of 0.13–0.16 ms).
    /// </summary>
    private static async Task<Measurement> RunConcurrentForAsync(WorkflowEngine engine, string stateMachineArn, string input, double seconds, int concurrency)
    {
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var stopwatch = Stopwatch.StartNew();
        var callers = Enumerable.Range(0, concurrency)
            .Select(_ => Task.Run(() => RunForAsync(engine, stateMachineArn, input, seconds, yieldBetween: true)))
            .ToArray();
        var measured = await Task.WhenAll(callers);
        return new Measurement(measured.Sum(m => m.Executions), stopwatch.Elapsed.TotalSeconds, measured[0].Output)
        {
            CpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds,
            AllocatedBytes = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore,
        };
    }

    private static async Task<Measurement> RunForAsync(WorkflowEngine engine, string stateMachineArn, string input, double seconds, bool yieldBetween = false)
    {
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var stopwatch = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(seconds);
        long executions = 0;
        string? output = null;
        while (stopwatch.Elapsed < deadline)
        {
            var done = await engine.StartSyncExecutionAsync(new StartExecutionRequest(stateMachineArn, Name: null, input), CancellationToken.None);
            if (done.Status != "SUCCEEDED")
            {
                throw new InvalidOperationException($"benchmark execution {done.Status}: {done.Error} {done.Cause}");
            }

            output = done.Output;
            executions++;
            if (yieldBetween)
            {
                // An execution that never waits completes inline: without this, one caller would keep its thread.
                await Task.Yield();
            }
        }

        return new Measurement(executions, stopwatch.Elapsed.TotalSeconds, output)
        {
            CpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds,
            AllocatedBytes = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore,
        };
    }

    private static async Task<Dictionary<string, Measurement>> RunPeerAsync(double seconds, double warmup, int concurrency)
    {
        var root = FindRepositoryRoot();
        var tools = Path.Combine(root, "tools");
        var module = Path.Combine(tools, "node_modules", "aws-local-stepfunctions", "build", "main.node.esm.js");
        if (!File.Exists(module))
        {
            Console.WriteLine("Installing the pinned npm tools (npm ci in tools/) for aws-local-stepfunctions…");
            var install = await RunProcessAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], tools);
            if (install.ExitCode != 0 || !File.Exists(module))
            {
                throw new InvalidOperationException($"npm ci failed: {install.Error}");
            }
        }

        var config = new JsonObject
        {
            ["seconds"] = seconds,
            ["warmupSeconds"] = warmup,
            ["concurrency"] = concurrency,
            ["workloads"] = new JsonArray([.. Workloads.Select(w => (JsonNode)new JsonObject
            {
                ["name"] = w.Name,
                ["definition"] = w.Definition,
                ["input"] = w.Input,
            })]),
        };
        var configPath = Path.Combine(Path.GetTempPath(), $"fileuploader-bench-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(configPath, config.ToJsonString());
        try
        {
            var script = Path.Combine(root, "bench", "FileUploader.Bench", "node", "peer-bench.mjs");
            var run = await RunProcessAsync("node", [script, module, configPath], root);
            if (run.ExitCode != 0)
            {
                throw new InvalidOperationException($"the aws-local-stepfunctions run failed: {run.Error}");
            }

            var results = JsonNode.Parse(run.Output)!.AsObject();
            return results.ToDictionary(
                r => r.Key,
                r => new Measurement(
                    r.Value!["executions"]!.GetValue<long>(),
                    r.Value["seconds"]!.GetValue<double>(),
                    r.Value["output"]?.ToJsonString())
                {
                    Concurrent = r.Value["concurrent"] is JsonObject concurrent
                        ? new Measurement(concurrent["executions"]!.GetValue<long>(), concurrent["seconds"]!.GetValue<double>(), r.Value["output"]?.ToJsonString())
                        : null,
                });
        }
        finally
        {
            File.Delete(configPath);
        }
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunProcessAsync(string fileName, string[] arguments, string workingDirectory)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    private static void DeleteJournal(string? journalPath)
    {
        if (journalPath is null)
        {
            return;
        }

        foreach (var suffix in new[] { string.Empty, "-wal", "-shm", "-runlog", "-runlog2" })
        {
            File.Delete(journalPath + suffix);
        }
    }

    private static bool SameJson(string? a, string? b) =>
        a is not null && b is not null && JsonNode.DeepEquals(JsonNode.Parse(a), JsonNode.Parse(b));

    private static double? OptionValue(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? double.Parse(args[index + 1], CultureInfo.InvariantCulture) : null;
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

        throw new InvalidOperationException("Run the benchmark from inside the repository.");
    }

    /// <summary>Five Pass states, each doing path work: InputPath, Parameters with .$ keys, ResultPath, OutputPath.</summary>
    private static string PassChainDefinition() => """
        {"StartAt":"Pick","States":{
          "Pick":{"Type":"Pass","InputPath":"$.order","Parameters":{"id.$":"$.id","qty.$":"$.qty","customer.$":"$.customer.name"},"ResultPath":"$.summary","Next":"Price"},
          "Price":{"Type":"Pass","Parameters":{"units.$":"$.summary.qty","currency":"EUR","tier.$":"$.order.customer.tier"},"ResultPath":"$.pricing","Next":"Copy"},
          "Copy":{"Type":"Pass","InputPath":"$.summary","ResultPath":"$.copy","Next":"Shape"},
          "Shape":{"Type":"Pass","Parameters":{"order.$":"$.copy.id","units.$":"$.pricing.units","who.$":"$.summary.customer"},"ResultPath":"$.final","Next":"Emit"},
          "Emit":{"Type":"Pass","InputPath":"$.final","ResultPath":"$.emitted","OutputPath":"$.emitted","End":true}}}
        """;

    /// <summary>A Map over 1,000 items; each iteration runs a Choice and one of two Pass states.</summary>
    private static string MapDefinition() => """
        {"StartAt":"Each","States":{
          "Each":{"Type":"Map","ItemsPath":"$.items",
            "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"Check","States":{
              "Check":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThanEquals":500,"Next":"High"}],"Default":"Low"},
              "High":{"Type":"Pass","Parameters":{"n.$":"$.n","band":"high"},"End":true},
              "Low":{"Type":"Pass","Parameters":{"n.$":"$.n","band":"low"},"End":true}}},
            "End":true}}}
        """;

    private static string MapInput() =>
        new JsonObject { ["items"] = new JsonArray([.. Enumerable.Range(0, 1000).Select(i => (JsonNode)new JsonObject { ["n"] = i })]) }
            .ToJsonString();

    /// <summary>A Parallel of four branches, each a chain of five Pass states.</summary>
    private static string ParallelDefinition()
    {
        var branches = new JsonArray();
        for (var b = 0; b < 4; b++)
        {
            var states = new JsonObject();
            for (var s = 0; s < 5; s++)
            {
                var state = new JsonObject { ["Type"] = "Pass", ["Result"] = $"b{b}s{s}", ["ResultPath"] = $"$.s{s}" };
                if (s < 4)
                {
                    state["Next"] = $"B{b}S{s + 1}";
                }
                else
                {
                    state["End"] = true;
                }

                states[$"B{b}S{s}"] = state;
            }

            branches.Add(new JsonObject { ["StartAt"] = $"B{b}S0", ["States"] = states });
        }

        return new JsonObject
        {
            ["StartAt"] = "Fan",
            ["States"] = new JsonObject { ["Fan"] = new JsonObject { ["Type"] = "Parallel", ["Branches"] = branches, ["End"] = true } },
        }.ToJsonString();
    }

    /// <summary>The workloads have no Task states; a dispatcher is still required by the engine.</summary>
    private sealed class NoTasks : ITaskDispatcher
    {
        public ValueTask<JsonNode?> InvokeAsync(TaskInvocation invocation, CancellationToken cancellationToken) =>
            throw new TaskFailedException("NotSupported", "the benchmark workloads have no Task states");
    }
}
