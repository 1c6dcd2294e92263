using System.Text.Json.Nodes;
using FileUploader.StateMachine.Journal;
using FileUploader.StateMachine.Service;
using FileUploader.StateMachine.Tasks;

namespace FileUploader.Server.Tests.StepFunctionsApi;

/// <summary>The real engine as these tests host it behind the endpoint: in-memory journal, system clock.</summary>
internal static class TestEngines
{
    public static WorkflowEngine CreateInMemory()
    {
        var engine = new WorkflowEngine(new EngineOptions(), new NoFunctionsDispatcher(), new InMemoryExecutionJournal(), TimeProvider.System);
        engine.RecoverAsync(CancellationToken.None).GetAwaiter().GetResult();
        return engine;
    }

    /// <summary>
    /// The endpoint tests use machines without Task states, as a user trying the endpoint would; a Task that
    /// slips in fails the way an unknown Lambda function does instead of hanging.
    /// </summary>
    private sealed class NoFunctionsDispatcher : ITaskDispatcher
    {
        public ValueTask<JsonNode?> InvokeAsync(TaskInvocation invocation, CancellationToken cancellationToken) =>
            throw new TaskFailedException("Lambda.ResourceNotFoundException", $"Function not found: {invocation.FunctionArn}");
    }
}
