using System.Text.Json.Nodes;

namespace FileUploader.StateMachine.Tests.Conformance;

/// <summary>
/// Loads every case file copied next to the test assembly. Cases are keyed "file/name" so the theory's only argument
/// is a string: xunit can then list each case as its own test.
/// </summary>
internal static class ConformanceCaseSource
{
    private static readonly Lazy<IReadOnlyDictionary<string, ConformanceCase>> Cases = new(Load);

    public static string CasesDirectory => Path.Combine(AppContext.BaseDirectory, "Conformance", "Cases");

    public static IReadOnlyDictionary<string, ConformanceCase> All => Cases.Value;

    public static ConformanceCase Get(string id) =>
        All.TryGetValue(id, out var found) ? found : throw new KeyNotFoundException($"No conformance case '{id}'");

    private static Dictionary<string, ConformanceCase> Load()
    {
        var cases = new Dictionary<string, ConformanceCase>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(CasesDirectory, "*.json").Order(StringComparer.Ordinal))
        {
            var file = Path.GetFileNameWithoutExtension(path);
            var array = JsonNode.Parse(File.ReadAllText(path)) as JsonArray
                ?? throw new InvalidDataException($"{path}: expected a JSON array of cases");
            foreach (var item in array)
            {
                var conformanceCase = ConformanceCase.FromJson(file, item as JsonObject ?? throw new InvalidDataException($"{path}: a case is not an object"));
                if (!cases.TryAdd(conformanceCase.Id, conformanceCase))
                {
                    throw new InvalidDataException($"Duplicate conformance case '{conformanceCase.Id}'");
                }
            }
        }

        return cases;
    }
}
