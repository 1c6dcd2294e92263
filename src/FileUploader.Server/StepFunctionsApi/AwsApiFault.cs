namespace FileUploader.Server.StepFunctionsApi;

/// <summary>Error types the protocol layer itself answers with (the engine's are in StepFunctionsErrorTypes).</summary>
internal static class AwsErrorTypes
{
    public const string UnknownOperation = "UnknownOperationException";
    public const string Serialization = "SerializationException";
    public const string Validation = "ValidationException";
    public const string InvalidArn = "InvalidArn";
    public const string InternalFailure = "InternalFailure";
}

/// <summary>A request the endpoint refuses before the engine sees it; answered as HTTP 400 with this error type.</summary>
internal sealed class AwsApiFault(string errorType, string message) : Exception(message)
{
    public string ErrorType { get; } = errorType;
}

/// <summary>
/// The member constraints of AWS's API model that a client may not have checked (botocore checks some, curl none),
/// with AWS's wording so messages look the same as the service's.
/// </summary>
internal static class RequestChecks
{
    public static string Required(string? value, string member) =>
        value ?? throw new AwsApiFault(
            AwsErrorTypes.Validation,
            $"1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null");

    public static void Length(string? value, string member, int min, int max)
    {
        if (value is not null && (value.Length < min || value.Length > max))
        {
            throw new AwsApiFault(
                AwsErrorTypes.Validation,
                $"1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must have length between {min} and {max}");
        }
    }

    public static void Range(int? value, string member, int min, int max)
    {
        if (value is { } number && (number < min || number > max))
        {
            throw new AwsApiFault(
                AwsErrorTypes.Validation,
                $"1 validation error detected: Value '{number}' at '{member}' failed to satisfy constraint: Member must have value between {min} and {max}");
        }
    }

    public static AwsApiFault EnumFault(string member, string value, string allowed) => new(
        AwsErrorTypes.Validation,
        $"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy enum value set: {allowed}");

    /// <summary>A required ARN member: present, within AWS's length bounds, and shaped like an ARN (else InvalidArn, as AWS answers).</summary>
    public static string Arn(string? value, string member)
    {
        var arn = Required(value, member);
        Length(arn, member, 1, 256);
        if (!arn.StartsWith("arn:", StringComparison.Ordinal) || arn.Split(':').Length < 6)
        {
            throw new AwsApiFault(AwsErrorTypes.InvalidArn, $"Invalid Arn: '{arn}'");
        }

        return arn;
    }
}
