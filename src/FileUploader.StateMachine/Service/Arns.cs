namespace FileUploader.StateMachine.Service;

/// <summary>State machine and execution ARNs in AWS's format, and the name rules AWS applies to both.</summary>
internal static class Arns
{
    public static string StateMachine(EngineOptions options, string name) =>
        $"arn:aws:states:{options.Region}:{options.AccountId}:stateMachine:{name}";

    /// <summary>An execution ARN up to the execution's name, which follows it: <c>arn:aws:states:region:account:execution:stateMachineName:</c>.</summary>
    public static string ExecutionPrefix(EngineOptions options, string stateMachineName) =>
        $"arn:aws:states:{options.Region}:{options.AccountId}:execution:{stateMachineName}:";

    public static string StateMachineNameOf(string stateMachineArn) => stateMachineArn[(stateMachineArn.LastIndexOf(':') + 1)..];

    /// <summary>Throws InvalidArn unless the text is a state machine ARN (arn:aws:states:region:account:stateMachine:name).</summary>
    public static void RequireStateMachineArn(string? arn)
    {
        if (!HasShape(arn, 7, "stateMachine"))
        {
            throw new StepFunctionsException(StepFunctionsErrorTypes.InvalidArn, $"Invalid Arn: 'Resource type not valid in this context: {arn}'");
        }
    }

    /// <summary>Throws InvalidArn unless the text is an execution ARN (…:execution:stateMachineName:executionName).</summary>
    public static void RequireExecutionArn(string? arn)
    {
        if (!HasShape(arn, 8, "execution"))
        {
            throw new StepFunctionsException(StepFunctionsErrorTypes.InvalidArn, $"Invalid Arn: 'Resource type not valid in this context: {arn}'");
        }
    }

    /// <summary>
    /// arn:?:states:?:?:{resourceType}:… with exactly <paramref name="partCount"/> colon-separated parts and the parts
    /// after the resource type non-empty. Checked on the span because every StartExecution checks an ARN.
    /// </summary>
    private static bool HasShape(string? arn, int partCount, string resourceType)
    {
        if (arn is null)
        {
            return false;
        }

        Span<Range> parts = stackalloc Range[9];
        var text = arn.AsSpan();
        if (text.Split(parts, ':') != partCount)
        {
            return false;
        }

        if (!text[parts[0]].SequenceEqual("arn") || !text[parts[2]].SequenceEqual("states") || !text[parts[5]].SequenceEqual(resourceType))
        {
            return false;
        }

        for (var i = 6; i < partCount; i++)
        {
            if (text[parts[i]].IsEmpty)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>AWS's name rule for state machines and executions: 1–80 characters, none of whitespace, brackets, wildcards or punctuation it reserves.</summary>
    public static void RequireValidName(string? name, string what)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 80)
        {
            throw new StepFunctionsException(StepFunctionsErrorTypes.InvalidName, $"Invalid Name: '{name}' ({what} names are 1 to 80 characters)");
        }

        foreach (var c in name)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || "<>{}[]?*\"#%\\^|~`$&,;:/".Contains(c, StringComparison.Ordinal))
            {
                throw new StepFunctionsException(StepFunctionsErrorTypes.InvalidName, $"Invalid Name: '{name}' (the character '{c}' is not allowed in a {what} name)");
            }
        }
    }
}
