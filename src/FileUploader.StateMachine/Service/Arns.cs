namespace FileUploader.StateMachine.Service;

/// <summary>State machine and execution ARNs in AWS's format, and the name rules AWS applies to both.</summary>
internal static class Arns
{
    public static string StateMachine(EngineOptions options, string name) =>
        $"arn:aws:states:{options.Region}:{options.AccountId}:stateMachine:{name}";

    public static string Execution(EngineOptions options, string stateMachineName, string executionName) =>
        $"arn:aws:states:{options.Region}:{options.AccountId}:execution:{stateMachineName}:{executionName}";

    public static string StateMachineNameOf(string stateMachineArn) => stateMachineArn[(stateMachineArn.LastIndexOf(':') + 1)..];

    /// <summary>Throws InvalidArn unless the text is a state machine ARN (arn:aws:states:region:account:stateMachine:name).</summary>
    public static void RequireStateMachineArn(string? arn)
    {
        var parts = arn?.Split(':');
        if (parts is not { Length: 7 } || parts[0] != "arn" || parts[2] != "states" || parts[5] != "stateMachine" || parts[6].Length == 0)
        {
            throw new StepFunctionsException(StepFunctionsErrorTypes.InvalidArn, $"Invalid Arn: 'Resource type not valid in this context: {arn}'");
        }
    }

    /// <summary>Throws InvalidArn unless the text is an execution ARN (…:execution:stateMachineName:executionName).</summary>
    public static void RequireExecutionArn(string? arn)
    {
        var parts = arn?.Split(':');
        if (parts is not { Length: 8 } || parts[0] != "arn" || parts[2] != "states" || parts[5] != "execution" || parts[6].Length == 0 || parts[7].Length == 0)
        {
            throw new StepFunctionsException(StepFunctionsErrorTypes.InvalidArn, $"Invalid Arn: 'Resource type not valid in this context: {arn}'");
        }
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
