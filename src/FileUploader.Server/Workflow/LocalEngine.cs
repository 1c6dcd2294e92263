using FileUploader.StateMachine.Journal;
using FileUploader.StateMachine.Service;
using FileUploader.StateMachine.Tasks;
using FileUploader.Storage.Local;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FileUploader.Server.Workflow;

/// <summary>
/// The embedded workflow engine: the ASL interpreter with its journal in the data folder, running Task states
/// in-process. Also what the Step Functions-compatible endpoint serves.
/// </summary>
internal static class LocalEngine
{
    public const string JournalFile = "journal.db";

    public static void Add(IServiceCollection services, ServerOptions options)
    {
        services.AddSingleton<ITaskDispatcher, InProcessTaskDispatcher>();
        services.AddSingleton(new EngineOptions());
        // WAL, synchronous=NORMAL: every commit survives the process being killed (what the local server must survive).
        // One server per data folder: a second engine on the same journal would run the same executions twice.
        services.TryAddSingleton(_ => DataFolderLock.Acquire(options.DataDirectory));
        services.AddSingleton<IExecutionJournal>(sp =>
        {
            sp.GetRequiredService<DataFolderLock>();
            return SqliteExecutionJournal.Open(Path.Combine(options.DataDirectory, JournalFile));
        });
        services.AddSingleton(sp => new WorkflowEngine(
            sp.GetRequiredService<EngineOptions>(),
            sp.GetRequiredService<ITaskDispatcher>(),
            sp.GetRequiredService<IExecutionJournal>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IStepFunctions>(sp => sp.GetRequiredService<WorkflowEngine>());
        services.AddSingleton<WorkflowArns>();
        services.AddSingleton<WorkflowDefinitions>();
    }

    /// <summary>Resumes every execution the journal says was running (after a crash or a restart).</summary>
    public static Task RecoverAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        services.GetRequiredService<WorkflowEngine>().RecoverAsync(cancellationToken);
}
