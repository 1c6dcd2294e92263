using FileUploader.StateMachine.Documents;
using System.Text.Json.Nodes;
using FileUploader.StateMachine.Language;
using static FileUploader.StateMachine.Tests.Language.LanguageTestData;

namespace FileUploader.StateMachine.Tests.Language;

// Spec "Payload Template": fields whose names end in ".$" are replaced by the value of their path or intrinsic
// function, and the output field name drops the ".$"; this applies however deeply the field is nested.
public sealed class PayloadTemplateTests
{
    private static readonly PathContext Input = Ctx(
        "{\"flagged\":true,\"vals\":[0,10,20,30],\"file\":{\"key\":\"files/a.txt\",\"size\":12}}",
        "{\"Execution\":{\"Id\":\"arn:exec:1\"},\"Map\":{\"Item\":{\"Index\":2}}}",
        ("bucket", "\"uploads\""));

    [Fact]
    public void Apply_SpecExample_ProducesDocumentedOutput()
    {
        // The example from spec "Parameters": static fields are copied, ".$" fields are evaluated.
        var template = Json("""
            {
              "flagged": true,
              "parts": { "first.$": "$.vals[0]", "last3.$": "$.vals[1:]" },
              "weekday.$": "$$.DayOfWeek",
              "formattedOutput.$": "States.Format('Today is {}', $$.DayOfWeek)"
            }
            """);
        var ctx = Ctx("{\"flagged\":7,\"vals\":[0,10,20,30,40]}", "{\"DayOfWeek\":\"TUESDAY\"}");

        var output = PayloadTemplate.Apply(template, ctx);

        AssertJson("""
            {
              "flagged": true,
              "parts": { "first": 0, "last3": [10,20,30,40] },
              "weekday": "TUESDAY",
              "formattedOutput": "Today is TUESDAY"
            }
            """, output);
    }

    [Fact]
    public void Apply_NestedObjectsAndArrays_EvaluatesEveryDynamicField()
    {
        var template = Json("""
            {
              "Bucket.$": "$bucket",
              "Items": [ { "Key.$": "$.file.key" }, "plain", { "Index.$": "$$.Map.Item.Index" } ],
              "Meta": { "Deep": { "Size.$": "$.file.size", "Id.$": "$$.Execution.Id" } }
            }
            """);

        AssertJson("""
            {
              "Bucket": "uploads",
              "Items": [ { "Key": "files/a.txt" }, "plain", { "Index": 2 } ],
              "Meta": { "Deep": { "Size": 12, "Id": "arn:exec:1" } }
            }
            """, PayloadTemplate.Apply(template, Input));
    }

    [Fact]
    public void Apply_WholeInputAndObjects_AreCopiedNotShared()
    {
        var template = Json("{\"all.$\":\"$\",\"file.$\":\"$.file\"}");

        var output = PayloadTemplate.Apply(template, Input)!;
        output["file"]!["key"] = "changed";

        Assert.Equal("files/a.txt", Input.Input!["file"]!["key"]!.GetValue<string>());
        Assert.Equal("files/a.txt", output["all"]!["file"]!["key"]!.GetValue<string>());
    }

    [Fact]
    public void Apply_TwiceWithSameTemplate_ReturnsIndependentDocuments()
    {
        var template = Json("{\"static\":{\"list\":[1,2]},\"v.$\":\"$.flagged\"}");

        var first = PayloadTemplate.Apply(template, Input)!;
        var second = PayloadTemplate.Apply(template, Input)!;
        first["static"]!["list"]!.AsArray().Add((DocNode)3);

        AssertJson("{\"static\":{\"list\":[1,2]},\"v\":true}", second);
        AssertJson("{\"static\":{\"list\":[1,2]},\"v.$\":\"$.flagged\"}", template);
    }

    [Fact]
    public void Apply_MissingPath_ThrowsStatesRuntimeNamingField()
    {
        var template = Json("{\"outer\":{\"name.$\":\"$.nope\"}}");

        var ex = Assert.Throws<StatesException>(() => PayloadTemplate.Apply(template, Input));

        Assert.Equal(StatesErrors.Runtime, ex.Error);
        Assert.StartsWith("The JSONPath '$.nope' specified for the field 'name.$' could not be found in the input", ex.Cause, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_IntrinsicFailure_PropagatesIntrinsicFailure()
    {
        var template = Json("{\"n.$\":\"States.MathAdd($.file.key, 1)\"}");

        var ex = Assert.Throws<StatesException>(() => PayloadTemplate.Apply(template, Input));

        Assert.Equal(StatesErrors.IntrinsicFailure, ex.Error);
    }

    [Fact]
    public void Apply_NullTemplate_ReturnsNull()
    {
        Assert.Null(PayloadTemplate.Apply(null, Input));
    }

    [Fact]
    public void Apply_FieldWithoutDollarSuffix_KeepsPathTextAsLiteral()
    {
        AssertJson("{\"p\":\"$.file\"}", PayloadTemplate.Apply(Json("{\"p\":\"$.file\"}"), Input));
    }

    [Fact]
    public void Compile_Template_IsReusableAcrossInputs()
    {
        var compiled = PayloadTemplate.Compile(Json("{\"k.$\":\"$.k\",\"n.$\":\"States.ArrayLength($.l)\"}"));

        AssertJson("{\"k\":1,\"n\":0}", compiled.Apply(Ctx("{\"k\":1,\"l\":[]}")));
        AssertJson("{\"k\":\"two\",\"n\":2}", compiled.Apply(Ctx("{\"k\":\"two\",\"l\":[1,2]}")));
    }

    [Fact]
    public async Task Apply_SameTemplateFromManyThreads_GivesIdenticalIndependentResults()
    {
        // Compiled templates are shared by all executions of a definition, so they must hold no per-call state.
        var template = Json("{\"k.$\":\"$.k\",\"s\":{\"deep\":[1,{\"x\":2}]},\"f.$\":\"States.Format('{}-{}', $.k, $$.Id)\"}");
        var tasks = Enumerable.Range(0, 16).Select(i => Task.Run(() =>
        {
            var results = new List<string>();
            for (var j = 0; j < 50; j++)
            {
                results.Add(PayloadTemplate.Apply(template, Ctx($"{{\"k\":{i}}}", $"{{\"Id\":\"e{i}\"}}"))!.ToJsonString());
            }

            return (i, results);
        })).ToArray();

        foreach (var (i, results) in await Task.WhenAll(tasks))
        {
            Assert.All(results, r => Assert.Equal($"{{\"k\":{i},\"s\":{{\"deep\":[1,{{\"x\":2}}]}},\"f\":\"{i}-e{i}\"}}", r));
        }
    }

    [Theory]
    [InlineData("{\"a.$\":5}", "must be a string")]
    [InlineData("{\"a.$\":\"no dollar\"}", "must be a path starting with '$'")]
    [InlineData("{\"a.$\":\"$..\"}", "Invalid JSONPath")]
    [InlineData("{\"a.$\":\"States.Nope()\"}", "unknown intrinsic function")]
    public void Compile_BadDynamicField_ThrowsPathSyntaxException(string template, string reason)
    {
        var ex = Assert.Throws<PathSyntaxException>(() => PayloadTemplate.Compile(Json(template)));

        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_BadFields_ReportsEveryProblemWithLocation()
    {
        var template = Json("""
            {
              "ok.$": "$.a",
              "num.$": 1,
              "nested": { "bad.$": "States.Format('{}')" },
              "list": [ { "p.$": "$[" } ],
              "dup": 1, "dup.$": "$.x",
              "plain": "not a path"
            }
            """);

        var problems = PayloadTemplate.Validate(template, "/States/S/Parameters").ToList();

        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("/States/S/Parameters/num.$: ", StringComparison.Ordinal) && p.Contains("not a number", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("/States/S/Parameters/nested/bad.$: ", StringComparison.Ordinal) && p.Contains("placeholder", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("/States/S/Parameters/list/0/p.$: ", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("/States/S/Parameters/dup.$: ", StringComparison.Ordinal) && p.Contains("given twice", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_GoodTemplate_ReportsNothing()
    {
        var template = Json("{\"a.$\":\"$.x\",\"b\":{\"c.$\":\"States.UUID()\",\"d.$\":\"$$.Execution.Id\",\"e.$\":\"$var\"},\"f\":[1,{\"g.$\":\"$\"}]}");

        Assert.Empty(PayloadTemplate.Validate(template, "/Parameters"));
    }
}
