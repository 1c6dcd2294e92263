using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using FileUploader.StateMachine.Service;
using Microsoft.Extensions.Logging;

namespace FileUploader.Server.StepFunctionsApi;

/// <summary>
/// Serves one AWS JSON 1.0 request: <c>POST /</c>, the operation in <c>X-Amz-Target: AWSStepFunctions.&lt;Action&gt;</c>,
/// the request members as a JSON object. Answers 200 with the operation's output, or 400 with AWS's error shape
/// (<c>{"__type","message"}</c> and <c>x-amzn-ErrorType</c>) for anything the caller got wrong, so the AWS CLI,
/// boto3 and the AWS SDKs report the same error codes they would get from AWS.
/// </summary>
/// <remarks>
/// Requests are not authenticated: any SigV4 <c>Authorization</c> header (or none) is accepted, because this
/// endpoint serves the local engine on loopback and a client pointed at it signs with whatever dummy keys it has;
/// verifying signatures would need a shared secret store that the local mode does not have.
/// </remarks>
internal sealed class StepFunctionsApiHandler(IStepFunctions stepFunctions, ILogger logger)
{
    public const string TargetPrefix = "AWSStepFunctions.";

    public const string ContentType = "application/x-amz-json-1.0";

    // Above AWS's own limits (definition 1 MiB, input 256 KiB, both as JSON strings with escapes), so a legal
    // request always fits and a runaway body is refused without being buffered whole.
    private const int MaxBodyBytes = 4 * 1024 * 1024;

    private const int MaxInputChars = 262_144;

    private static readonly StepFunctionsJsonContext Json = StepFunctionsJsonContext.Default;

    private static readonly HashSet<string> ExecutionStatuses =
        ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"];

    public async Task HandleAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        try
        {
            var target = context.Request.Headers["X-Amz-Target"].ToString();
            if (!target.StartsWith(TargetPrefix, StringComparison.Ordinal))
            {
                throw new AwsApiFault(AwsErrorTypes.UnknownOperation, $"Unknown operation target '{target}'.");
            }

            var body = await ReadBodyAsync(context.Request, cancellationToken);
            await DispatchAsync(context, target[TargetPrefix.Length..], body, cancellationToken);
        }
        catch (AwsApiFault fault)
        {
            await WriteErrorAsync(context, fault.ErrorType, fault.Message);
        }
        catch (StepFunctionsException exception)
        {
            await WriteErrorAsync(context, exception.ErrorType, exception.Message);
        }
        catch (JsonException exception)
        {
            // Malformed JSON or a member of the wrong type: AWS answers SerializationException.
            await WriteErrorAsync(context, AwsErrorTypes.Serialization, $"Could not read the request body: {exception.Message}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
#pragma warning disable CA1031 // An unexpected failure is a bug in the engine: answer AWS's 500 shape, never a bare reset.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Log.UnexpectedFailure(logger, context.Request.Headers["X-Amz-Target"].ToString(), exception);
            await WriteErrorAsync(context, AwsErrorTypes.InternalFailure, "The request failed on the server.", StatusCodes.Status500InternalServerError);
        }
    }

    private Task DispatchAsync(HttpContext context, string action, byte[] body, CancellationToken ct) => action switch
    {
        "CreateStateMachine" => RunAsync(context, body, Json.CreateStateMachineInput, Json.CreateStateMachineOutput, CreateStateMachineAsync, ct),
        "DescribeStateMachine" => RunAsync(context, body, Json.StateMachineArnInput, Json.DescribeStateMachineOutput, DescribeStateMachineAsync, ct),
        "UpdateStateMachine" => RunAsync(context, body, Json.UpdateStateMachineInput, Json.UpdateStateMachineOutput, UpdateStateMachineAsync, ct),
        "DeleteStateMachine" => RunAsync(context, body, Json.StateMachineArnInput, Json.EmptyOutput, DeleteStateMachineAsync, ct),
        "ListStateMachines" => RunAsync(context, body, Json.ListStateMachinesInput, Json.ListStateMachinesOutput, ListStateMachinesAsync, ct),
        "ValidateStateMachineDefinition" => RunAsync(context, body, Json.ValidateStateMachineDefinitionInput, Json.ValidateStateMachineDefinitionOutput, ValidateStateMachineDefinitionAsync, ct),
        "StartExecution" => RunAsync(context, body, Json.StartExecutionInput, Json.StartExecutionOutput, StartExecutionAsync, ct),
        "StartSyncExecution" => RunAsync(context, body, Json.StartExecutionInput, Json.DescribeExecutionOutput, StartSyncExecutionAsync, ct),
        "DescribeExecution" => RunAsync(context, body, Json.ExecutionArnInput, Json.DescribeExecutionOutput, DescribeExecutionAsync, ct),
        "ListExecutions" => RunAsync(context, body, Json.ListExecutionsInput, Json.ListExecutionsOutput, ListExecutionsAsync, ct),
        "StopExecution" => RunAsync(context, body, Json.StopExecutionInput, Json.StopExecutionOutput, StopExecutionAsync, ct),
        "GetExecutionHistory" => GetExecutionHistoryAsync(context, Deserialize(body, Json.GetExecutionHistoryInput), ct),
        _ => throw new AwsApiFault(AwsErrorTypes.UnknownOperation, $"Operation '{action}' is not supported by this endpoint."),
    };

    private async Task<CreateStateMachineOutput> CreateStateMachineAsync(CreateStateMachineInput input, CancellationToken ct)
    {
        var name = RequestChecks.Required(input.Name, "name");
        RequestChecks.Length(name, "name", 1, 80);
        var definition = RequestChecks.Required(input.Definition, "definition");
        RequestChecks.Length(definition, "definition", 1, 1_048_576);
        // roleArn is required by AWS; the local engine assumes no role, so a client that leaves it out still works.
        if (input.Type is not null and not "STANDARD" and not "EXPRESS")
        {
            throw RequestChecks.EnumFault("type", input.Type, "[STANDARD, EXPRESS]");
        }

        var created = await stepFunctions.CreateStateMachineAsync(
            new CreateStateMachineRequest(name, definition, input.RoleArn, input.Type), ct);
        return new CreateStateMachineOutput(created.StateMachineArn, created.CreationDate);
    }

    private async Task<DescribeStateMachineOutput> DescribeStateMachineAsync(StateMachineArnInput input, CancellationToken ct)
    {
        var arn = RequestChecks.Arn(input.StateMachineArn, "stateMachineArn");
        var machine = await stepFunctions.DescribeStateMachineAsync(arn, ct);
        return new DescribeStateMachineOutput(
            machine.StateMachineArn,
            machine.Name,
            machine.Status,
            machine.Definition,
            machine.RoleArn,
            machine.Type,
            machine.CreationDate,
            new LoggingConfigurationOutput("OFF", IncludeExecutionData: false));
    }

    private async Task<UpdateStateMachineOutput> UpdateStateMachineAsync(UpdateStateMachineInput input, CancellationToken ct)
    {
        var arn = RequestChecks.Arn(input.StateMachineArn, "stateMachineArn");
        if (input.Definition is not null)
        {
            RequestChecks.Length(input.Definition, "definition", 1, 1_048_576);
        }

        var updated = await stepFunctions.UpdateStateMachineAsync(new UpdateStateMachineRequest(arn, input.Definition, input.RoleArn), ct);
        return new UpdateStateMachineOutput(updated.UpdateDate);
    }

    private async Task<EmptyOutput> DeleteStateMachineAsync(StateMachineArnInput input, CancellationToken ct)
    {
        var arn = RequestChecks.Arn(input.StateMachineArn, "stateMachineArn");
        await stepFunctions.DeleteStateMachineAsync(arn, ct);
        return new EmptyOutput();
    }

    private async Task<ListStateMachinesOutput> ListStateMachinesAsync(ListStateMachinesInput input, CancellationToken ct)
    {
        RequestChecks.Range(input.MaxResults, "maxResults", 0, 1000);
        var page = await stepFunctions.ListStateMachinesAsync(NullIfZero(input.MaxResults), input.NextToken, ct);
        return new ListStateMachinesOutput(
            [.. page.Items.Select(m => new StateMachineListItemOutput(m.StateMachineArn, m.Name, m.Type, m.CreationDate))],
            page.NextToken);
    }

    private Task<ValidateStateMachineDefinitionOutput> ValidateStateMachineDefinitionAsync(ValidateStateMachineDefinitionInput input, CancellationToken ct)
    {
        var definition = RequestChecks.Required(input.Definition, "definition");
        RequestChecks.Length(definition, "definition", 1, 1_048_576);
        RequestChecks.Range(input.MaxResults, "maxResults", 0, 100);
        var severity = input.Severity ?? "ERROR";
        if (severity is not "ERROR" and not "WARNING")
        {
            throw RequestChecks.EnumFault("severity", severity, "[ERROR, WARNING]");
        }

        var result = stepFunctions.ValidateStateMachineDefinition(definition);

        // AWS: severity=ERROR (the default) returns only errors; WARNING returns both. maxResults bounds the list.
        var diagnostics = result.Diagnostics
            .Where(d => severity == "WARNING" || d.Severity == "ERROR")
            .Select(d => new ValidationDiagnosticOutput(d.Severity, d.Code, d.Message, d.Location))
            .ToList();
        var limit = NullIfZero(input.MaxResults) ?? 100;
        var truncated = diagnostics.Count > limit;
        return Task.FromResult(new ValidateStateMachineDefinitionOutput(result.Result, diagnostics.Take(limit).ToList(), truncated));
    }

    private async Task<StartExecutionOutput> StartExecutionAsync(StartExecutionInput input, CancellationToken ct)
    {
        var started = await stepFunctions.StartExecutionAsync(ToStartRequest(input), ct);
        return new StartExecutionOutput(started.ExecutionArn, started.StartDate);
    }

    private async Task<DescribeExecutionOutput> StartSyncExecutionAsync(StartExecutionInput input, CancellationToken ct)
    {
        var request = ToStartRequest(input);
        var execution = await stepFunctions.StartSyncExecutionAsync(request, ct);
        return ToOutput(execution, request.TraceHeader);
    }

    private async Task<DescribeExecutionOutput> DescribeExecutionAsync(ExecutionArnInput input, CancellationToken ct)
    {
        var arn = RequestChecks.Arn(input.ExecutionArn, "executionArn");
        return ToOutput(await stepFunctions.DescribeExecutionAsync(arn, ct), traceHeader: null);
    }

    private async Task<ListExecutionsOutput> ListExecutionsAsync(ListExecutionsInput input, CancellationToken ct)
    {
        var arn = RequestChecks.Arn(input.StateMachineArn, "stateMachineArn");
        RequestChecks.Range(input.MaxResults, "maxResults", 0, 1000);
        if (input.StatusFilter is not null && !ExecutionStatuses.Contains(input.StatusFilter))
        {
            throw RequestChecks.EnumFault("statusFilter", input.StatusFilter, "[RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE]");
        }

        var page = await stepFunctions.ListExecutionsAsync(
            new ListExecutionsRequest(arn, input.StatusFilter, NullIfZero(input.MaxResults), input.NextToken), ct);
        return new ListExecutionsOutput(
            [.. page.Items.Select(e => new ExecutionListItemOutput(e.ExecutionArn, e.StateMachineArn, e.Name, e.Status, e.StartDate, e.StopDate))],
            page.NextToken);
    }

    private async Task<StopExecutionOutput> StopExecutionAsync(StopExecutionInput input, CancellationToken ct)
    {
        var arn = RequestChecks.Arn(input.ExecutionArn, "executionArn");
        RequestChecks.Length(input.Error, "error", 0, 256);
        RequestChecks.Length(input.Cause, "cause", 0, 32_768);
        var stopDate = await stepFunctions.StopExecutionAsync(arn, input.Error, input.Cause, ct);
        return new StopExecutionOutput(stopDate);
    }

    private async Task GetExecutionHistoryAsync(HttpContext context, GetExecutionHistoryInput input, CancellationToken ct)
    {
        var arn = RequestChecks.Arn(input.ExecutionArn, "executionArn");
        RequestChecks.Range(input.MaxResults, "maxResults", 0, 1000);
        var page = await stepFunctions.GetExecutionHistoryAsync(
            new GetExecutionHistoryRequest(arn, NullIfZero(input.MaxResults), input.NextToken, input.ReverseOrder ?? false, input.IncludeExecutionData ?? true),
            ct);

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = ContentType;

        // Written by hand because each event carries its details object as raw JSON under a type-specific name
        // (e.g. "stateEnteredEventDetails"); a fixed record type could not hold all of them.
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteStartArray("events");
        foreach (var e in page.Items)
        {
            writer.WriteStartObject();
            writer.WriteNumber("timestamp", EpochSecondsConverter.ToEpochSeconds(e.Timestamp));
            writer.WriteString("type", e.Type);
            writer.WriteNumber("id", e.Id);
            writer.WriteNumber("previousEventId", e.PreviousEventId);
            if (e.DetailsFieldName is not null && e.DetailsJson is not null)
            {
                writer.WritePropertyName(e.DetailsFieldName);
                writer.WriteRawValue(e.DetailsJson, skipInputValidation: false);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (page.NextToken is not null)
        {
            writer.WriteString("nextToken", page.NextToken);
        }

        writer.WriteEndObject();
        await writer.FlushAsync(ct);
    }

    private static StartExecutionRequest ToStartRequest(StartExecutionInput input)
    {
        var arn = RequestChecks.Arn(input.StateMachineArn, "stateMachineArn");
        if (input.Name is not null)
        {
            RequestChecks.Length(input.Name, "name", 1, 80);
        }

        RequestChecks.Length(input.Input, "input", 0, MaxInputChars);
        RequestChecks.Length(input.TraceHeader, "traceHeader", 0, 256);
        return new StartExecutionRequest(arn, input.Name, input.Input, input.TraceHeader);
    }

    private static DescribeExecutionOutput ToOutput(ExecutionDescription execution, string? traceHeader)
    {
        var included = new CloudWatchEventsExecutionDataDetails(Included: true);
        return new DescribeExecutionOutput(
            execution.ExecutionArn,
            execution.StateMachineArn,
            execution.Name,
            execution.Status,
            execution.StartDate,
            execution.StopDate,
            execution.Input,
            included,
            execution.Output,
            execution.Output is null ? null : included,
            execution.Error,
            execution.Cause,
            traceHeader);
    }

    // AWS treats maxResults 0 as "use the default page size".
    private static int? NullIfZero(int? maxResults) => maxResults is 0 ? null : maxResults;

    private static async Task RunAsync<TIn, TOut>(
        HttpContext context,
        byte[] body,
        JsonTypeInfo<TIn> inputType,
        JsonTypeInfo<TOut> outputType,
        Func<TIn, CancellationToken, Task<TOut>> operation,
        CancellationToken ct)
        where TIn : class, new()
    {
        var output = await operation(Deserialize(body, inputType), ct);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = ContentType;
        await JsonSerializer.SerializeAsync(context.Response.Body, output, outputType, ct);
    }

    private static TIn Deserialize<TIn>(byte[] body, JsonTypeInfo<TIn> inputType)
        where TIn : class, new()
    {
        // botocore sends "{}" for an operation without members; an empty body means the same.
        if (body.Length == 0)
        {
            return new TIn();
        }

        using var document = JsonDocument.Parse(body);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new AwsApiFault(AwsErrorTypes.Serialization, "The request body must be a JSON object.");
        }

        return document.RootElement.Deserialize(inputType) ?? new TIn();
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            throw new AwsApiFault(AwsErrorTypes.Validation, $"The request body is larger than {MaxBodyBytes} bytes.");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                throw new AwsApiFault(AwsErrorTypes.Validation, $"The request body is larger than {MaxBodyBytes} bytes.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static async Task WriteErrorAsync(HttpContext context, string errorType, string message, int status = StatusCodes.Status400BadRequest)
    {
        if (context.Response.HasStarted)
        {
            // Part of a success body is already on the wire; the connection is all that can be cut.
            context.Abort();
            return;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = ContentType;
        context.Response.Headers["x-amzn-ErrorType"] = errorType;
        await JsonSerializer.SerializeAsync(context.Response.Body, new AwsErrorOutput(errorType, message), Json.AwsErrorOutput);
    }
}
