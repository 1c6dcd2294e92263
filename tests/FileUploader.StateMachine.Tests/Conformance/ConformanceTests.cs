using System.Text.Json.Nodes;

namespace FileUploader.StateMachine.Tests.Conformance;

/// <summary>
/// The engine's conformance suite: every case in Cases/*.json (a definition, an input and the outcome the ASL spec or
/// the AWS developer guide documents) runs in-process on the in-memory engine and shows up as its own test.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class ConformanceTests
{
    public static TheoryData<string> CaseIds()
    {
        var data = new TheoryData<string>();
        foreach (var id in ConformanceCaseSource.All.Keys)
        {
            data.Add(id);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseIds))]
    public async Task Case_RunInProcess_MatchesDocumentedOutcome(string caseId)
    {
        var conformanceCase = ConformanceCaseSource.Get(caseId);

        var problems = await ConformanceRunner.RunAsync(conformanceCase);

        Assert.True(problems.Count == 0, $"{caseId} (source: {conformanceCase.Source}){Environment.NewLine}  {string.Join(Environment.NewLine + "  ", problems)}");
    }

    [Fact]
    public void Cases_Loaded_AreManyAndEachCitesItsSource()
    {
        var cases = ConformanceCaseSource.All.Values.ToList();

        Assert.True(cases.Count >= 170, $"only {cases.Count} conformance cases");
        Assert.All(cases, c => Assert.False(string.IsNullOrWhiteSpace(c.Source), c.Id));
        Assert.All(cases, c => Assert.True(
            c.Expect.ContainsKey("validation") || c.Expect.ContainsKey("status"),
            $"{c.Id}: expect needs 'status' or 'validation'"));
        Assert.All(cases, c => Assert.True(c.Definition is not null || c.DefinitionText is not null, $"{c.Id}: no definition"));
    }

    [Fact]
    public async Task Runner_WrongExpectedOutput_ReportsMismatch()
    {
        // The suite is only worth something if the runner notices a wrong answer.
        var wrong = ConformanceCase.FromJson("self-check", (JsonObject)JsonNode.Parse("""
            {
              "name": "Pass_Result_WrongExpectation",
              "source": "runner self-check",
              "definition": { "StartAt": "S", "States": { "S": { "Type": "Pass", "Result": { "n": 1 }, "End": true } } },
              "input": {},
              "expect": { "status": "SUCCEEDED", "output": { "n": 2 } }
            }
            """)!);

        var problems = await ConformanceRunner.RunAsync(wrong);

        Assert.Contains(problems, p => p.StartsWith("output:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Runner_WaitCase_AdvancesVirtualClockExactly()
    {
        var wait = ConformanceCase.FromJson("self-check", (JsonObject)JsonNode.Parse("""
            {
              "name": "Wait_WrongElapsed",
              "source": "runner self-check",
              "definition": { "StartAt": "W", "States": { "W": { "Type": "Wait", "Seconds": 7, "End": true } } },
              "input": {},
              "expect": { "status": "SUCCEEDED", "elapsedSeconds": 8 }
            }
            """)!);

        var problems = await ConformanceRunner.RunAsync(wait);

        Assert.Equal(new[] { "elapsed: expected 8s of virtual time, got 7s" }, problems);
    }
}

/// <summary>
/// The runner decides the engine is idle (and the virtual clock may jump) when nothing changed for a few polls; other
/// test classes hogging this 2-core machine could make a busy engine look idle, so the suite runs on its own.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConformanceCollection
{
    public const string Name = "Conformance (runs alone)";
}
