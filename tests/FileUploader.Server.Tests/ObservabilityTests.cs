using System.Collections.Concurrent;
using System.Diagnostics;
using FileUploader.Server.Diagnostics;
using FileUploader.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FileUploader.Server.Tests;

/// <summary>One trace per upload across request, execution and steps; the upload id and execution id on every line.</summary>
public sealed class ObservabilityTests : IAsyncLifetime
{
    private readonly CapturingLoggerProvider _logs = new();
    private readonly ConcurrentBag<Activity> _activities = [];
    private readonly ActivityListener _listener;
    private TestServer? _server;

    public ObservabilityTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("FileUploader.", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _activities.Add,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    private TestServer Server => _server!;

    public async Task InitializeAsync() =>
        _server = await TestServer.StartAsync(configure: services =>
        {
            services.AddSingleton<ILoggerProvider>(_logs);
            services.AddLogging(logging => logging.AddFilter("FileUploader", LogLevel.Debug));
        });

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        _listener.Dispose();
    }

    [Fact]
    public async Task PostUpload_Traced_EveryStepSpanIsInTheUploadsTrace()
    {
        var json = await Server.UploadAsync("traced bytes"u8.ToArray());
        var uploadId = json.Str("uploadId");

        var upload = _activities.Single(a => a.Source.Name == ServerTelemetry.SourceName && a.OperationName == "upload" && (string?)a.GetTagItem(ServerTelemetry.UploadIdTag) == uploadId);
        var steps = _activities
            .Where(a => a.GetTagItem(ServerTelemetry.StepTag) is not null && ((string?)a.GetTagItem(ServerTelemetry.ExecutionArnTag))?.EndsWith(":" + uploadId, StringComparison.Ordinal) == true)
            .ToList();

        var names = steps.Select(s => (string)s.GetTagItem(ServerTelemetry.StepTag)!).ToHashSet();
        Assert.Superset(new HashSet<string> { "Validate", "Store", "Record", "Presign", "FinishUpload" }, names);
        Assert.All(steps, step => Assert.Equal(upload.TraceId, step.TraceId));
    }

    [Fact]
    public async Task PostUpload_Logged_EveryUploadLineCarriesTheUploadAndExecutionIds()
    {
        var json = await Server.UploadAsync("logged bytes"u8.ToArray());
        var uploadId = json.Str("uploadId");

        var lines = _logs.Lines.Where(l => l.Category.StartsWith("FileUploader.Server", StringComparison.Ordinal) && l.Scope.TryGetValue("UploadId", out var id) && Equals(id, uploadId)).ToList();

        Assert.Contains(lines, l => l.EventId == 4002); // staged
        Assert.Contains(lines, l => l.EventId == 4004); // finished
        Assert.Contains(lines, l => l.EventId == 4005); // a step starting, logged from inside the engine
        Assert.All(lines, l => Assert.EndsWith(":" + uploadId, (string)l.Scope["ExecutionArn"]!, StringComparison.Ordinal));
    }

    private sealed record LogLine(string Category, int EventId, string Message, IReadOnlyDictionary<string, object?> Scope);

    private sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public ConcurrentQueue<LogLine> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => owner._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scope = new Dictionary<string, object?>(StringComparer.Ordinal);
                owner._scopes.ForEachScope(
                    (value, into) =>
                    {
                        if (value is IEnumerable<KeyValuePair<string, object?>> pairs)
                        {
                            foreach (var (key, item) in pairs)
                            {
                                into[key] = item;
                            }
                        }
                    },
                    scope);
                owner.Lines.Enqueue(new LogLine(category, eventId.Id, formatter(state, exception), scope));
            }
        }
    }
}
