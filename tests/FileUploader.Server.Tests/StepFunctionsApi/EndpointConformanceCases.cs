namespace FileUploader.Server.Tests.StepFunctionsApi;

/// <summary>
/// One conformance case run through the endpoint: a definition, its input, and the output (or error) AWS Step
/// Functions gives for it, with the page of the AWS Step Functions Developer Guide (or the Amazon States Language
/// spec) it comes from. None uses a Task, so any engine-side task wiring is out of the picture.
/// </summary>
public sealed record EndpointConformanceCase(string Name, string Source, string Definition, string Input, string? ExpectedOutput, string? ExpectedError = null)
{
    public override string ToString() => Name;
}

internal static class EndpointConformanceCases
{
    public static IReadOnlyList<EndpointConformanceCase> All { get; } =
    [
        new("PassResultAndResultPath",
            "Developer Guide: Pass workflow state (Result, ResultPath)",
            """{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"x":1},"ResultPath":"$.r","End":true}}}""",
            """{"a":"b"}""",
            """{"a":"b","r":{"x":1}}"""),
        new("InputPathParametersOutputPath",
            "Developer Guide: Processing input and output (InputPath, Parameters, OutputPath)",
            """{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.order","Parameters":{"id.$":"$.id","fixed":"v"},"ResultPath":"$.picked","OutputPath":"$.picked","End":true}}}""",
            """{"order":{"id":42,"other":true}}""",
            """{"id":42,"fixed":"v"}"""),
        new("ResultPathNullKeepsInput",
            "Developer Guide: ResultPath — discard the result and keep the original input (ResultPath: null)",
            """{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"ignored","ResultPath":null,"End":true}}}""",
            """{"keep":"me"}""",
            """{"keep":"me"}"""),
        new("ResultPathCreatesNestedNodes",
            "Amazon States Language spec: ResultPath may name nodes that do not exist yet",
            """{"StartAt":"P","States":{"P":{"Type":"Pass","Result":7,"ResultPath":"$.a.b.c","End":true}}}""",
            """{"a":{}}""",
            """{"a":{"b":{"c":7}}}"""),
        new("PassChainInputPathResultPath",
            "Developer Guide: Processing input and output — a chain of states each transforming the effective input",
            """{"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$.v","ResultPath":"$","Next":"B"},"B":{"Type":"Pass","Parameters":{"doubled.$":"States.MathAdd($.n, $.n)"},"End":true}}}""",
            """{"v":{"n":21}}""",
            """{"doubled":42}"""),
        new("IntrinsicFormat",
            "Developer Guide: Intrinsic functions — States.Format",
            """{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"greeting.$":"States.Format('Hello, {}! You are {}.', $.name, $.age)"},"End":true}}}""",
            """{"name":"Ada","age":36}""",
            """{"greeting":"Hello, Ada! You are 36."}"""),
        new("IntrinsicArrayFunctions",
            "Developer Guide: Intrinsic functions — States.Array, States.ArrayLength, States.ArrayContains",
            """{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"arr.$":"States.Array($.a, $.b)","len.$":"States.ArrayLength($.list)","has.$":"States.ArrayContains($.list, 2)"},"End":true}}}""",
            """{"a":1,"b":"two","list":[1,2,3]}""",
            """{"arr":[1,"two"],"len":3,"has":true}"""),
        new("IntrinsicJsonRoundTrip",
            "Developer Guide: Intrinsic functions — States.StringToJson and States.JsonToString",
            """{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"parsed.$":"States.StringToJson($.s)","text.$":"States.JsonToString($.o)"},"End":true}}}""",
            """{"s":"{\"k\":[1,2]}","o":{"z":true}}""",
            """{"parsed":{"k":[1,2]},"text":"{\"z\":true}"}"""),
        new("IntrinsicJsonMerge",
            "Developer Guide: Intrinsic functions — States.JsonMerge (shallow)",
            """{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"merged.$":"States.JsonMerge($.a, $.b, false)"},"End":true}}}""",
            """{"a":{"x":1,"y":{"p":1}},"b":{"y":{"q":2},"z":3}}""",
            """{"merged":{"x":1,"y":{"q":2},"z":3}}"""),
        new("ChoiceNumericGreaterThan",
            "Developer Guide: Choice workflow state — comparison operators (NumericGreaterThan)",
            """{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":10,"Next":"Big"}],"Default":"Small"},"Big":{"Type":"Pass","Result":"big","End":true},"Small":{"Type":"Pass","Result":"small","End":true}}}""",
            """{"n":11}""",
            "\"big\""),
        new("ChoiceAndNotDefault",
            "Developer Guide: Choice workflow state — And, Not and Default",
            """{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"And":[{"Variable":"$.kind","StringEquals":"file"},{"Not":{"Variable":"$.size","NumericGreaterThan":100}}],"Next":"Small"}],"Default":"Other"},"Small":{"Type":"Pass","Result":"small-file","End":true},"Other":{"Type":"Pass","Result":"other","End":true}}}""",
            """{"kind":"file","size":500}""",
            "\"other\""),
        new("ChoiceTypeMismatchIsFalse",
            "Developer Guide: Choice workflow state — a comparison against a value of another type is false",
            """{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"One"}],"Default":"NotOne"},"One":{"Type":"Pass","Result":"one","End":true},"NotOne":{"Type":"Pass","Result":"not-one","End":true}}}""",
            """{"n":"1"}""",
            "\"not-one\""),
        new("ChoiceNoMatchFails",
            "Amazon States Language spec: Choice with no match and no Default fails with States.NoChoiceMatched",
            """{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"One"}]},"One":{"Type":"Succeed"}}}""",
            """{"n":2}""",
            null,
            "States.NoChoiceMatched"),
        new("FailStateErrorAndCause",
            "Developer Guide: Fail workflow state",
            """{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"UploadRejected","Cause":"too big"}}}""",
            "{}",
            null,
            "UploadRejected"),
        new("SucceedOutputPath",
            "Developer Guide: Succeed workflow state — OutputPath applies",
            """{"StartAt":"S","States":{"S":{"Type":"Succeed","OutputPath":"$.keep"}}}""",
            """{"keep":{"a":1},"drop":2}""",
            """{"a":1}"""),
        new("WaitZeroSeconds",
            "Developer Guide: Wait workflow state — Seconds (the input passes through)",
            """{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":0,"Next":"Done"},"Done":{"Type":"Pass","End":true}}}""",
            """{"same":true}""",
            """{"same":true}"""),
        new("MapItemSelectorContextIndex",
            "Developer Guide: Map state — ItemSelector with $$.Map.Item.Index and $$.Map.Item.Value",
            """{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value"},"ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}""",
            """{"items":["a","b"]}""",
            """[{"i":0,"v":"a"},{"i":1,"v":"b"}]"""),
        new("MapChoicePerItem",
            "Developer Guide: Map state — inline ItemProcessor running a Choice per item, results in item order",
            """{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.n","MaxConcurrency":2,"ItemProcessor":{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$","NumericLessThan":0,"Next":"Neg"}],"Default":"Pos"},"Neg":{"Type":"Pass","Result":"neg","End":true},"Pos":{"Type":"Pass","Result":"pos","End":true}}},"ResultPath":"$.signs","End":true}}}""",
            """{"n":[1,-2,3]}""",
            """{"n":[1,-2,3],"signs":["pos","neg","pos"]}"""),
        new("ParallelBranchesAndResultSelector",
            "Developer Guide: Parallel workflow state — branch outputs in order, ResultSelector",
            """{"StartAt":"Par","States":{"Par":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"End":true}}},{"StartAt":"B","States":{"B":{"Type":"Pass","Result":2,"End":true}}}],"ResultSelector":{"first.$":"$[0]","second.$":"$[1]"},"End":true}}}""",
            "{}",
            """{"first":1,"second":2}"""),
        new("ParallelBranchFailureCaught",
            "Developer Guide: Handling errors — Catch with ResultPath on a Parallel whose branch fails",
            """{"StartAt":"Par","States":{"Par":{"Type":"Parallel","Branches":[{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"branch failed"}}}],"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"Handled"}],"End":true},"Handled":{"Type":"Pass","End":true}}}""",
            """{"in":1}""",
            """{"in":1,"err":{"Error":"Boom","Cause":"branch failed"}}"""),
        new("VariablesAssignAndReference",
            "Developer Guide: Passing data between states with variables (Assign, $name)",
            """{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"who.$":"$.user"},"Next":"B"},"B":{"Type":"Pass","Parameters":{"hello.$":"$who"},"End":true}}}""",
            """{"user":"ada"}""",
            """{"hello":"ada"}"""),
        new("ContextObjectStateName",
            "Developer Guide: Accessing the Context object ($$.State.Name)",
            """{"StartAt":"Named","States":{"Named":{"Type":"Pass","Parameters":{"state.$":"$$.State.Name"},"End":true}}}""",
            "{}",
            """{"state":"Named"}"""),
    ];

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var testCase in All)
        {
            data.Add(testCase.Name);
        }

        return data;
    }
}
