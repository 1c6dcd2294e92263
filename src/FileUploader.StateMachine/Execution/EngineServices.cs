using FileUploader.StateMachine.Diagnostics;
using FileUploader.StateMachine.Service;
using FileUploader.StateMachine.Tasks;

namespace FileUploader.StateMachine.Execution;

/// <summary>What every interpreter shares: the task port, the clock, the engine itself (for startExecution) and logging.</summary>
internal sealed record EngineServices(
    EngineOptions Options,
    ITaskDispatcher Dispatcher,
    TimeProvider Time,
    IStepFunctions StepFunctions,
    EngineLog Log);
