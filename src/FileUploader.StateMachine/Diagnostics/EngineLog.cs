using Microsoft.Extensions.Logging;

namespace FileUploader.StateMachine.Diagnostics;

/// <summary>
/// The engine's log lines. Event ids 3000–3099 belong to the StateMachine project; next free id: 3005.
/// </summary>
internal sealed partial class EngineLog(ILogger logger)
{
    private readonly ILogger _logger = logger;

    [LoggerMessage(EventId = 3000, Level = LogLevel.Error, Message = "Execution {ExecutionArn} failed unexpectedly inside the engine")]
    public partial void ExecutionCrashed(Exception exception, string executionArn);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Recovered {Count} running executions from the journal")]
    public partial void Recovered(int count);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "Execution {ExecutionArn} could not be recovered")]
    public partial void RecoveryFailed(Exception exception, string executionArn);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Debug, Message = "Execution {ExecutionArn} started")]
    public partial void ExecutionStarted(string executionArn);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Execution {ExecutionArn} stopped: {Error}")]
    public partial void ExecutionStopped(string executionArn, string? error);
}
