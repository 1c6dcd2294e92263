using System.Net;

namespace FileUploader.Storage.Aws.StepFunctions;

/// <summary>
/// Step Functions answered with an error. <see cref="ErrorCode"/> is AWS's error type (the <c>__type</c> of the
/// JSON 1.0 error body); the common ones have their own subclass so callers can catch exactly what they handle.
/// </summary>
public class StepFunctionsClientException(string errorCode, string message, HttpStatusCode statusCode)
    : Exception(message)
{
    public string ErrorCode { get; } = errorCode;

    public HttpStatusCode StatusCode { get; } = statusCode;

    internal static StepFunctionsClientException Create(string errorCode, string message, HttpStatusCode statusCode) => errorCode switch
    {
        "ExecutionAlreadyExists" => new ExecutionAlreadyExistsException(message, statusCode),
        "ExecutionDoesNotExist" => new ExecutionDoesNotExistException(message, statusCode),
        "StateMachineDoesNotExist" => new StateMachineDoesNotExistException(message, statusCode),
        "InvalidArn" => new InvalidArnException(message, statusCode),
        "InvalidName" => new InvalidNameException(message, statusCode),
        "InvalidExecutionInput" => new InvalidExecutionInputException(message, statusCode),
        "ExecutionLimitExceeded" => new ExecutionLimitExceededException(message, statusCode),
        "StateMachineDeleting" => new StateMachineDeletingException(message, statusCode),
        "ValidationException" => new StepFunctionsValidationException(message, statusCode),
        _ => new StepFunctionsClientException(errorCode, message, statusCode),
    };
}

/// <summary>An execution with this name exists already with other input (a same-input start is not an error).</summary>
public sealed class ExecutionAlreadyExistsException(string message, HttpStatusCode statusCode)
    : StepFunctionsClientException("ExecutionAlreadyExists", message, statusCode);

public sealed class ExecutionDoesNotExistException(string message, HttpStatusCode statusCode)
    : StepFunctionsClientException("ExecutionDoesNotExist", message, statusCode);

public sealed class StateMachineDoesNotExistException(string message, HttpStatusCode statusCode)
    : StepFunctionsClientException("StateMachineDoesNotExist", message, statusCode);

public sealed class StateMachineDeletingException(string message, HttpStatusCode statusCode)
    : StepFunctionsClientException("StateMachineDeleting", message, statusCode);

public sealed class InvalidArnException(string message, HttpStatusCode statusCode)
    : StepFunctionsClientException("InvalidArn", message, statusCode);

public sealed class InvalidNameException(string message, HttpStatusCode statusCode)
    : StepFunctionsClientException("InvalidName", message, statusCode);

public sealed class InvalidExecutionInputException(string message, HttpStatusCode statusCode)
    : StepFunctionsClientException("InvalidExecutionInput", message, statusCode);

public sealed class ExecutionLimitExceededException(string message, HttpStatusCode statusCode)
    : StepFunctionsClientException("ExecutionLimitExceeded", message, statusCode);

public sealed class StepFunctionsValidationException(string message, HttpStatusCode statusCode)
    : StepFunctionsClientException("ValidationException", message, statusCode);
