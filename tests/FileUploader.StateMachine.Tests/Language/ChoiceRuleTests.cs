using FileUploader.StateMachine.Documents;
using System.Text.Json.Nodes;
using FileUploader.StateMachine.Language;
using static FileUploader.StateMachine.Tests.Language.LanguageTestData;

namespace FileUploader.StateMachine.Tests.Language;

// Spec "Choice Rules" and AWS "Choice workflow state" (JSONPath).
public sealed class ChoiceRuleTests
{
    private static readonly PathContext Input = Ctx("""
        {
          "name": "report.pdf", "type": "Private", "size": 42, "ratio": 0.5, "ok": true, "none": null,
          "when": "2024-05-01T12:00:00Z", "later": "2024-05-01T14:00:00+01:00", "other": 42.0,
          "star": "a*b", "slash": "a\\b", "list": [1, 2]
        }
        """, "{\"Execution\":{\"Name\":\"exec\"}}", ("limit", "100"));

    private static ChoiceRule Parse(string json)
    {
        var errors = new List<string>();
        var rule = ChoiceRule.Parse(Json(json)!.AsObject(), "/States/Check/Choices/0", errors);
        Assert.Empty(errors);
        return rule;
    }

    private static bool Eval(string json) => Parse(json).Evaluate(Input);

    [Theory]
    [InlineData("{\"Variable\":\"$.type\",\"StringEquals\":\"Private\",\"Next\":\"X\"}", true)]
    [InlineData("{\"Variable\":\"$.type\",\"StringEquals\":\"private\",\"Next\":\"X\"}", false)]
    [InlineData("{\"Variable\":\"$.type\",\"StringLessThan\":\"Q\",\"Next\":\"X\"}", true)]
    [InlineData("{\"Variable\":\"$.type\",\"StringGreaterThan\":\"Q\",\"Next\":\"X\"}", false)]
    [InlineData("{\"Variable\":\"$.type\",\"StringLessThanEquals\":\"Private\",\"Next\":\"X\"}", true)]
    [InlineData("{\"Variable\":\"$.type\",\"StringGreaterThanEquals\":\"Privatf\",\"Next\":\"X\"}", false)]
    [InlineData("{\"Variable\":\"$.size\",\"StringEquals\":\"42\",\"Next\":\"X\"}", false)] // type mismatch compares false
    [InlineData("{\"Variable\":\"$.size\",\"NumericEquals\":42,\"Next\":\"X\"}", true)]
    [InlineData("{\"Variable\":\"$.size\",\"NumericEquals\":42.0,\"Next\":\"X\"}", true)]
    [InlineData("{\"Variable\":\"$.size\",\"NumericLessThan\":42,\"Next\":\"X\"}", false)]
    [InlineData("{\"Variable\":\"$.size\",\"NumericLessThanEquals\":42,\"Next\":\"X\"}", true)]
    [InlineData("{\"Variable\":\"$.ratio\",\"NumericGreaterThan\":0.25,\"Next\":\"X\"}", true)]
    [InlineData("{\"Variable\":\"$.ratio\",\"NumericGreaterThanEquals\":0.51,\"Next\":\"X\"}", false)]
    [InlineData("{\"Variable\":\"$.name\",\"NumericEquals\":1,\"Next\":\"X\"}", false)]
    [InlineData("{\"Variable\":\"$.ok\",\"BooleanEquals\":true,\"Next\":\"X\"}", true)]
    [InlineData("{\"Variable\":\"$.ok\",\"BooleanEquals\":false,\"Next\":\"X\"}", false)]
    [InlineData("{\"Variable\":\"$.name\",\"BooleanEquals\":true,\"Next\":\"X\"}", false)]
    [InlineData("{\"Variable\":\"$.when\",\"TimestampEquals\":\"2024-05-01T12:00:00Z\",\"Next\":\"X\"}", true)]
    [InlineData("{\"Variable\":\"$.when\",\"TimestampEquals\":\"2024-05-01T13:00:00+01:00\",\"Next\":\"X\"}", true)] // same instant
    [InlineData("{\"Variable\":\"$.when\",\"TimestampLessThan\":\"2024-05-01T12:00:00.001Z\",\"Next\":\"X\"}", true)]
    [InlineData("{\"Variable\":\"$.when\",\"TimestampGreaterThan\":\"2024-05-01T12:00:00Z\",\"Next\":\"X\"}", false)]
    [InlineData("{\"Variable\":\"$.when\",\"TimestampLessThanEquals\":\"2024-05-01T12:00:00Z\",\"Next\":\"X\"}", true)]
    [InlineData("{\"Variable\":\"$.when\",\"TimestampGreaterThanEquals\":\"2025-01-01T00:00:00Z\",\"Next\":\"X\"}", false)]
    [InlineData("{\"Variable\":\"$.name\",\"TimestampLessThan\":\"2025-01-01T00:00:00Z\",\"Next\":\"X\"}", false)] // not a timestamp
    public void Evaluate_LiteralComparison_ComparesLikeAws(string rule, bool expected)
    {
        Assert.Equal(expected, Eval(rule));
    }

    [Theory]
    [InlineData("{\"Variable\":\"$.size\",\"NumericEqualsPath\":\"$.other\",\"Next\":\"X\"}", true)]
    [InlineData("{\"Variable\":\"$.size\",\"NumericLessThanPath\":\"$limit\",\"Next\":\"X\"}", true)]
    [InlineData("{\"Variable\":\"$.size\",\"NumericGreaterThanPath\":\"$.ratio\",\"Next\":\"X\"}", true)]
    [InlineData("{\"Variable\":\"$.size\",\"NumericLessThanEqualsPath\":\"$.ratio\",\"Next\":\"X\"}", false)]
    [InlineData("{\"Variable\":\"$.size\",\"NumericGreaterThanEqualsPath\":\"$.other\",\"Next\":\"X\"}", true)]
    [InlineData("{\"Variable\":\"$.type\",\"StringEqualsPath\":\"$.type\",\"Next\":\"X\"}", true)]
    [InlineData("{\"Variable\":\"$.type\",\"StringLessThanPath\":\"$.name\",\"Next\":\"X\"}", true)]
    [InlineData("{\"Variable\":\"$.type\",\"StringGreaterThanPath\":\"$.name\",\"Next\":\"X\"}", false)]
    [InlineData("{\"Variable\":\"$.type\",\"StringLessThanEqualsPath\":\"$.type\",\"Next\":\"X\"}", true)]
    [InlineData("{\"Variable\":\"$.name\",\"StringGreaterThanEqualsPath\":\"$.type\",\"Next\":\"X\"}", true)]
    [InlineData("{\"Variable\":\"$.ok\",\"BooleanEqualsPath\":\"$.ok\",\"Next\":\"X\"}", true)]
    [InlineData("{\"Variable\":\"$.when\",\"TimestampEqualsPath\":\"$.when\",\"Next\":\"X\"}", true)]
    [InlineData("{\"Variable\":\"$.when\",\"TimestampLessThanPath\":\"$.later\",\"Next\":\"X\"}", true)] // 14:00+01:00 is 13:00Z
    [InlineData("{\"Variable\":\"$.when\",\"TimestampGreaterThanPath\":\"$.later\",\"Next\":\"X\"}", false)]
    [InlineData("{\"Variable\":\"$.when\",\"TimestampLessThanEqualsPath\":\"$.when\",\"Next\":\"X\"}", true)]
    [InlineData("{\"Variable\":\"$.when\",\"TimestampGreaterThanEqualsPath\":\"$.name\",\"Next\":\"X\"}", false)]
    [InlineData("{\"Variable\":\"$$.Execution.Name\",\"StringEquals\":\"exec\",\"Next\":\"X\"}", true)]
    public void Evaluate_PathComparison_ResolvesSecondOperand(string rule, bool expected)
    {
        Assert.Equal(expected, Eval(rule));
    }

    [Theory]
    [InlineData("report.pdf", true)]
    [InlineData("*.pdf", true)]
    [InlineData("report.*", true)]
    [InlineData("r*t.p*f", true)]
    [InlineData("*", true)]
    [InlineData("*.doc", false)]
    [InlineData("report", false)]
    [InlineData("**report.pdf**", true)]
    [InlineData("rep*rep*", false)]
    public void Evaluate_StringMatches_UsesStarWildcard(string pattern, bool expected)
    {
        var rule = new DocObject { ["Variable"] = "$.name", ["StringMatches"] = pattern, ["Next"] = "X" };
        var errors = new List<string>();

        Assert.Equal(expected, ChoiceRule.Parse(rule, "/c", errors).Evaluate(Input));
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("$.star", "a\\*b", true)] // escaped star is literal
    [InlineData("$.star", "a\\*c", false)]
    [InlineData("$.name", "report\\*", false)] // no wildcard left
    [InlineData("$.slash", "a\\\\b", true)] // escaped backslash
    [InlineData("$.slash", "a\\\\*", true)]
    public void Evaluate_StringMatchesEscapes_AreLiteral(string variable, string pattern, bool expected)
    {
        var rule = new DocObject { ["Variable"] = variable, ["StringMatches"] = pattern, ["Next"] = "X" };

        Assert.Equal(expected, ChoiceRule.Parse(rule, "/c", new List<string>()).Evaluate(Input));
    }

    [Theory]
    [InlineData("$.none", "IsNull", true, true)]
    [InlineData("$.name", "IsNull", true, false)]
    [InlineData("$.name", "IsNull", false, true)]
    [InlineData("$.name", "IsPresent", true, true)]
    [InlineData("$.missing", "IsPresent", true, false)]
    [InlineData("$.missing", "IsPresent", false, true)]
    [InlineData("$.none", "IsPresent", true, true)] // present with a null value
    [InlineData("$.size", "IsNumeric", true, true)]
    [InlineData("$.name", "IsNumeric", true, false)]
    [InlineData("$.name", "IsString", true, true)]
    [InlineData("$.none", "IsString", true, false)]
    [InlineData("$.ok", "IsBoolean", true, true)]
    [InlineData("$.size", "IsBoolean", false, true)]
    [InlineData("$.when", "IsTimestamp", true, true)]
    [InlineData("$.name", "IsTimestamp", true, false)]
    [InlineData("$.list", "IsString", false, true)]
    public void Evaluate_TypeTest_ChecksType(string variable, string op, bool operand, bool expected)
    {
        var rule = new DocObject { ["Variable"] = variable, [op] = operand, ["Next"] = "X" };

        Assert.Equal(expected, ChoiceRule.Parse(rule, "/c", new List<string>()).Evaluate(Input));
    }

    [Fact]
    public void Evaluate_AndOrNot_CombineNestedRules()
    {
        Assert.True(Eval("""
            { "And": [
                { "Variable": "$.size", "NumericGreaterThan": 10 },
                { "Or": [ { "Variable": "$.type", "StringEquals": "Public" }, { "Not": { "Variable": "$.ok", "BooleanEquals": false } } ] }
              ], "Next": "X" }
            """));
        Assert.False(Eval("{\"And\":[{\"Variable\":\"$.size\",\"NumericGreaterThan\":10},{\"Variable\":\"$.ok\",\"BooleanEquals\":false}],\"Next\":\"X\"}"));
        Assert.False(Eval("{\"Or\":[{\"Variable\":\"$.size\",\"NumericLessThan\":10},{\"Variable\":\"$.ok\",\"BooleanEquals\":false}],\"Next\":\"X\"}"));
        Assert.True(Eval("{\"Not\":{\"Variable\":\"$.type\",\"StringEquals\":\"Public\"},\"Next\":\"X\"}"));
    }

    [Fact]
    public void Evaluate_AndShortCircuits_SkipsRulesAfterFirstFalse()
    {
        // The second rule would raise States.Runtime (missing path); And stops at the first false rule.
        Assert.False(Eval("{\"And\":[{\"Variable\":\"$.ok\",\"BooleanEquals\":false},{\"Variable\":\"$.missing\",\"StringEquals\":\"x\"}],\"Next\":\"X\"}"));
    }

    [Fact]
    public void Evaluate_IsPresentGuardsMissingField_InAnd()
    {
        Assert.False(Eval("{\"And\":[{\"Variable\":\"$.missing\",\"IsPresent\":true},{\"Variable\":\"$.missing\",\"StringEquals\":\"x\"}],\"Next\":\"X\"}"));
    }

    // AWS (not the spec) raises States.Runtime when a comparison's Variable selects nothing:
    // "Invalid path '$.missing': The choice state's condition path references an invalid value." Only IsPresent is exempt.
    [Theory]
    [InlineData("{\"Variable\":\"$.missing\",\"StringEquals\":\"x\",\"Next\":\"X\"}", "$.missing")]
    [InlineData("{\"Variable\":\"$.missing\",\"IsNull\":true,\"Next\":\"X\"}", "$.missing")]
    [InlineData("{\"Not\":{\"Variable\":\"$.missing\",\"NumericEquals\":1},\"Next\":\"X\"}", "$.missing")]
    [InlineData("{\"Variable\":\"$.size\",\"NumericEqualsPath\":\"$.gone\",\"Next\":\"X\"}", "$.gone")]
    [InlineData("{\"Variable\":\"$undefinedVar\",\"NumericEquals\":1,\"Next\":\"X\"}", "$undefinedVar")]
    public void Evaluate_MissingPath_ThrowsStatesRuntime(string rule, string path)
    {
        var ex = Assert.Throws<StatesException>(() => Eval(rule));

        Assert.Equal(StatesErrors.Runtime, ex.Error);
        Assert.Equal($"Invalid path '{path}': The choice state's condition path references an invalid value.", ex.Cause);
    }

    [Theory]
    [InlineData("{\"Variable\":\"$.a\",\"StringEqualz\":\"x\",\"Next\":\"X\"}", "/States/Check/Choices/0: unknown comparison operator 'StringEqualz'")]
    [InlineData("{\"Variable\":\"$.a\",\"Next\":\"X\"}", "/States/Check/Choices/0: the choice rule has a 'Variable' but no comparison operator")]
    [InlineData("{\"StringEquals\":\"x\",\"Next\":\"X\"}", "/States/Check/Choices/0: the comparison 'StringEquals' needs a 'Variable'")]
    [InlineData("{\"Variable\":\"$.a\",\"StringEquals\":\"x\",\"NumericEquals\":1,\"Next\":\"X\"}", "/States/Check/Choices/0: a choice rule can have only one comparison operator, but has 'StringEquals', 'NumericEquals'")]
    [InlineData("{\"Variable\":\"$.a\",\"StringEquals\":1,\"Next\":\"X\"}", "/States/Check/Choices/0/StringEquals: the value of 'StringEquals' must be a string")]
    [InlineData("{\"Variable\":\"$.a\",\"NumericEquals\":\"1\",\"Next\":\"X\"}", "/States/Check/Choices/0/NumericEquals: the value of 'NumericEquals' must be a number")]
    [InlineData("{\"Variable\":\"$.a\",\"BooleanEquals\":\"true\",\"Next\":\"X\"}", "/States/Check/Choices/0/BooleanEquals: the value of 'BooleanEquals' must be a boolean")]
    [InlineData("{\"Variable\":\"$.a\",\"IsNull\":1,\"Next\":\"X\"}", "/States/Check/Choices/0/IsNull: the value of 'IsNull' must be a boolean")]
    [InlineData("{\"Variable\":\"$.a\",\"TimestampEquals\":\"2024-01-01\",\"Next\":\"X\"}", "/States/Check/Choices/0/TimestampEquals: the value of 'TimestampEquals' must be an RFC3339 timestamp string such as '2016-03-14T01:59:00Z'")]
    [InlineData("{\"Variable\":\"$.a\",\"StringEqualsPath\":5,\"Next\":\"X\"}", "/States/Check/Choices/0/StringEqualsPath: the value of 'StringEqualsPath' must be a string path")]
    [InlineData("{\"Variable\":5,\"StringEquals\":\"x\",\"Next\":\"X\"}", "/States/Check/Choices/0/Variable: the value of 'Variable' must be a string path")]
    [InlineData("{\"Variable\":\"States.ArrayLength($.a)\",\"NumericEquals\":1,\"Next\":\"X\"}", "/States/Check/Choices/0/Variable: the value of 'Variable' must be a path, not an intrinsic function")]
    [InlineData("{\"And\":[],\"Next\":\"X\"}", "/States/Check/Choices/0/And: the value of 'And' must be a non-empty array of choice rules")]
    [InlineData("{\"Or\":{},\"Next\":\"X\"}", "/States/Check/Choices/0/Or: the value of 'Or' must be a non-empty array of choice rules")]
    [InlineData("{\"Not\":[],\"Next\":\"X\"}", "/States/Check/Choices/0/Not: the value of 'Not' must be a choice rule object")]
    [InlineData("{\"And\":[{\"Variable\":\"$.a\",\"IsNull\":true,\"Next\":\"Y\"}],\"Next\":\"X\"}", "/States/Check/Choices/0/And/0: 'Next' is only allowed in a top-level choice rule, not in a nested one")]
    [InlineData("{\"Or\":[5],\"Next\":\"X\"}", "/States/Check/Choices/0/Or/0: a choice rule must be an object")]
    [InlineData("{\"Not\":{\"Variable\":\"$.a\",\"StringEqualz\":\"x\"},\"Next\":\"X\"}", "/States/Check/Choices/0/Not: unknown comparison operator 'StringEqualz'")]
    [InlineData("{\"And\":[{\"Variable\":\"$.a\",\"IsNull\":true}],\"Not\":{\"Variable\":\"$.a\",\"IsNull\":true},\"Next\":\"X\"}", "/States/Check/Choices/0: a choice rule can use only one of 'And', 'Or' and 'Not', but has 'And', 'Not'")]
    [InlineData("{\"Variable\":\"$.a\",\"Not\":{\"Variable\":\"$.a\",\"IsNull\":true},\"Next\":\"X\"}", "/States/Check/Choices/0: a choice rule cannot combine 'Not' with 'Variable' or a comparison operator")]
    [InlineData("{\"Next\":\"X\"}", "/States/Check/Choices/0: a choice rule needs 'Variable' and a comparison operator, or one of 'And', 'Or', 'Not'")]
    public void Parse_InvalidRule_ReportsProblemWithLocation(string rule, string expected)
    {
        var errors = new List<string>();

        ChoiceRule.Parse(Json(rule)!.AsObject(), "/States/Check/Choices/0", errors);

        Assert.Contains(expected, errors);
    }

    // AWS: "The values of Variable and Path fields in a comparison must be valid Reference Paths" (the spec allows any
    // Path); asl-validator enforces the same, so wildcards, filters and deep scans are rejected here.
    [Theory]
    [InlineData("{\"Variable\":\"$..a\",\"IsNull\":true,\"Next\":\"X\"}", "/c/Variable: Invalid reference path '$..a'")]
    [InlineData("{\"Variable\":\"$.items[*]\",\"IsNull\":true,\"Next\":\"X\"}", "/c/Variable: Invalid reference path '$.items[*]'")]
    [InlineData("{\"Variable\":\"$.a\",\"StringEqualsPath\":\"$.b[?(@.c)]\",\"Next\":\"X\"}", "/c/StringEqualsPath: Invalid reference path '$.b[?(@.c)]'")]
    public void Parse_NonReferencePath_ReportsPathError(string rule, string expectedStart)
    {
        var errors = new List<string>();

        ChoiceRule.Parse(Json(rule)!.AsObject(), "/c", errors);

        var error = Assert.Single(errors);
        Assert.StartsWith(expectedStart, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SeveralProblems_ReportsAllOfThem()
    {
        var errors = new List<string>();

        ChoiceRule.Parse(Json("{\"And\":[{\"Variable\":\"$.a\",\"Foo\":1},{\"Variable\":\"$.b\",\"NumericEquals\":\"x\"}],\"Next\":\"X\"}")!.AsObject(), "/c", errors);

        Assert.Equal(2, errors.Count);
        Assert.Contains("/c/And/0: unknown comparison operator 'Foo'", errors);
        Assert.Contains("/c/And/1/NumericEquals: the value of 'NumericEquals' must be a number", errors);
    }

    [Fact]
    public void Parse_InvalidRule_EvaluatesToRuntimeError()
    {
        var rule = ChoiceRule.Parse(Json("{\"Variable\":\"$.a\",\"Next\":\"X\"}")!.AsObject(), "/c", new List<string>());

        var ex = Assert.Throws<StatesException>(() => rule.Evaluate(Input));
        Assert.Equal(StatesErrors.Runtime, ex.Error);
    }

    [Fact]
    public void Parse_TopLevelAssignAndComment_AreAccepted()
    {
        Assert.True(Eval("{\"Variable\":\"$.ok\",\"BooleanEquals\":true,\"Comment\":\"why\",\"Assign\":{\"x\":1},\"Next\":\"X\"}"));
    }

    [Fact]
    public void Parse_DiagnosticsOverload_ReportsLocationSeparately()
    {
        var diagnostics = new List<Service.ValidationDiagnostic>();

        ChoiceRule.Parse(Json("{\"Variable\":\"$.a\",\"StringEqualz\":\"x\",\"Next\":\"X\"}")!.AsObject(), "/States/Check/Choices/0", diagnostics);

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("/States/Check/Choices/0", diagnostic.Location);
        Assert.Equal("unknown comparison operator 'StringEqualz'", diagnostic.Message);
        Assert.Equal("ERROR", diagnostic.Severity);
    }
}
