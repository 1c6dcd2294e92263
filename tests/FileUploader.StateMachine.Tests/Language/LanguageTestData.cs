using FileUploader.StateMachine.Documents;
using System.Text.Json.Nodes;
using FileUploader.StateMachine.Language;

namespace FileUploader.StateMachine.Tests.Language;

/// <summary>Builds path contexts and compares JSON for the language tests.</summary>
internal static class LanguageTestData
{
    public const string Store = """
        {
          "store": {
            "book": [
              { "category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95 },
              { "category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99 },
              { "category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99 },
              { "category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99 }
            ],
            "bicycle": { "color": "red", "price": 19.95 }
          },
          "expensive": 10
        }
        """;

    public static PathContext Ctx(string input, string? context = null, params (string Name, string Json)[] variables)
    {
        var vars = new Dictionary<string, DocNode?>(StringComparer.Ordinal);
        foreach (var (name, json) in variables)
        {
            vars[name] = DocNode.Parse(json);
        }

        return new PathContext(DocNode.Parse(input), context is null ? new DocObject() : DocNode.Parse(context), vars);
    }

    public static DocNode? Json(string json) => DocNode.Parse(json);

    /// <summary>Asserts JSON equality by compact text, so failures print both documents.</summary>
    public static void AssertJson(string expected, DocNode? actual) =>
        Assert.Equal(DocNode.Parse(expected)?.ToJsonString() ?? "null", actual?.ToJsonString() ?? "null");
}
