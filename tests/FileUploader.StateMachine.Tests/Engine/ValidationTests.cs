using FileUploader.StateMachine.Service;

namespace FileUploader.StateMachine.Tests.Engine;

public sealed class ValidationTests
{
    private static ValidationResult Validate(string definition)
    {
        var engine = new WorkflowEngine(new EngineOptions(), new FunctionTable(), new FileUploader.StateMachine.Journal.InMemoryExecutionJournal(), TimeProvider.System);
        return engine.ValidateStateMachineDefinition(definition);
    }

    [Fact]
    public void Validate_GoodDefinition_IsOkWithNoDiagnostics()
    {
        var result = Validate("""
            {"Comment":"ok","StartAt":"A","States":{
              "A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","Retry":[{"ErrorEquals":["States.ALL"]}],"Next":"B"},
              "B":{"Type":"Choice","Choices":[{"Variable":"$.x","StringEquals":"y","Next":"C"}],"Default":"C"},
              "C":{"Type":"Succeed"}}}
            """);

        Assert.Equal("OK", result.Result);
        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void Validate_NotJson_ReportsInvalidJsonDescription()
    {
        var result = Validate("{ nope");

        Assert.Equal("FAIL", result.Result);
        Assert.Equal("INVALID_JSON_DESCRIPTION", Assert.Single(result.Diagnostics).Code);
    }

    [Fact]
    public void Validate_SeveralProblems_ReportsAllWithLocations()
    {
        var result = Validate("""
            {"StartAt":"A","States":{
              "A":{"Type":"Pass","Next":"Missing"},
              "B":{"Type":"Pass","End":true},
              "C":{"Type":"Wait","Next":"B"},
              "D":{"Type":"Bogus"}}}
            """);

        Assert.Equal("FAIL", result.Result);
        Assert.Contains(result.Diagnostics, d => d is { Code: "MISSING_TRANSITION_TARGET", Location: "/States/A/Next" });
        Assert.Contains(result.Diagnostics, d => d is { Code: "UNREACHABLE_STATE", Location: "/States/B" });
        Assert.Contains(result.Diagnostics, d => d is { Code: "SCHEMA_VALIDATION_FAILED", Location: "/States/C" });
        Assert.Contains(result.Diagnostics, d => d is { Code: "SCHEMA_VALIDATION_FAILED", Location: "/States/D/Type" });
    }

    [Fact]
    public void Validate_NextAndEndBothOrNeither_IsRejected()
    {
        var both = Validate("""{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"A","End":true}}}""");
        var neither = Validate("""{"StartAt":"A","States":{"A":{"Type":"Pass"}}}""");

        Assert.Equal("FAIL", both.Result);
        Assert.Equal("FAIL", neither.Result);
    }

    [Fact]
    public void Validate_FieldNotAllowedForType_IsRejectedAtItsLocation()
    {
        var result = Validate("""{"StartAt":"A","States":{"A":{"Type":"Succeed","ResultPath":"$.x"}}}""");

        Assert.Contains(result.Diagnostics, d => d.Location == "/States/A/ResultPath");
    }

    [Fact]
    public void Validate_StatesAllNotAloneOrNotLast_IsRejected()
    {
        var notAlone = Validate("""
            {"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f",
              "Retry":[{"ErrorEquals":["States.ALL","Other"]}],"End":true}}}
            """);
        var notLast = Validate("""
            {"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f",
              "Catch":[{"ErrorEquals":["States.ALL"],"Next":"B"},{"ErrorEquals":["X"],"Next":"B"}],"End":true},"B":{"Type":"Succeed"}}}
            """);

        Assert.Contains(notAlone.Diagnostics, d => d.Location == "/States/A/Retry/0/ErrorEquals");
        Assert.Contains(notLast.Diagnostics, d => d.Location == "/States/A/Catch/0/ErrorEquals");
    }

    [Fact]
    public void Validate_BadPathsAndIntrinsics_AreRejected()
    {
        var result = Validate("""
            {"StartAt":"A","States":{"A":{"Type":"Pass","ResultPath":"$.a[?(@.x)]","InputPath":"nope",
              "Parameters":{"f.$":"States.NoSuchFunction($.x)"},"Next":"B"},
              "B":{"Type":"Fail","ErrorPath":"States.Format('{}', $.x"}}}
            """);

        Assert.Contains(result.Diagnostics, d => d.Location == "/States/A/ResultPath");
        Assert.Contains(result.Diagnostics, d => d.Location == "/States/A/InputPath");
        Assert.Contains(result.Diagnostics, d => d.Location!.StartsWith("/States/A/Parameters", StringComparison.Ordinal));
        Assert.Contains(result.Diagnostics, d => d.Location == "/States/B/ErrorPath");
    }

    [Fact]
    public void Validate_JsonataQueryLanguage_IsRejectedWithAClearMessage()
    {
        var result = Validate("""{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}""");

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("/QueryLanguage", diagnostic.Location);
        Assert.Contains("not supported yet", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NestedBranchProblems_ReportNestedLocations()
    {
        var result = Validate("""
            {"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
              {"StartAt":"X","States":{"X":{"Type":"Pass","Next":"Y"}}}]}}}
            """);

        Assert.Contains(result.Diagnostics, d => d is { Code: "MISSING_TRANSITION_TARGET", Location: "/States/P/Branches/0/States/X/Next" });
    }

    [Fact]
    public void Validate_BadRetryFieldsAndChoiceRule_AreRejected()
    {
        var result = Validate("""
            {"StartAt":"A","States":{
              "A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f",
                "Retry":[{"ErrorEquals":["X"],"BackoffRate":0.5,"MaxAttempts":-1,"JitterStrategy":"SOME"}],"Next":"C"},
              "C":{"Type":"Choice","Choices":[{"Variable":"$.x","NoSuchOperator":1,"Next":"D"}]},
              "D":{"Type":"Succeed"}}}
            """);

        Assert.Contains(result.Diagnostics, d => d.Location == "/States/A/Retry/0/BackoffRate");
        Assert.Contains(result.Diagnostics, d => d.Location == "/States/A/Retry/0/MaxAttempts");
        Assert.Contains(result.Diagnostics, d => d.Location == "/States/A/Retry/0/JitterStrategy");
        Assert.Contains(result.Diagnostics, d => d.Location!.StartsWith("/States/C/Choices/0", StringComparison.Ordinal));
    }
}
