using FileUploader.Testing.Fixtures;
using YamlDotNet.RepresentationModel;

namespace FileUploader.Storage.Aws.Tests.Template;

/// <summary>
/// template.yaml as plain data: mappings become dictionaries, sequences lists, scalars strings. CloudFormation's
/// short-form tags become their long form, as CloudFormation reads them: <c>!Ref X</c> → <c>{"Ref": "X"}</c>,
/// <c>!GetAtt A.B</c> → <c>{"Fn::GetAtt": ["A", "B"]}</c>, <c>!Sub s</c> → <c>{"Fn::Sub": s}</c>.
/// </summary>
internal sealed class CloudFormationTemplate
{
    private CloudFormationTemplate(Dictionary<string, object?> root) => Root = root;

    public static string RepositoryRoot => RepositoryPaths.Root;

    public static CloudFormationTemplate Load() => Parse(File.ReadAllText(Path.Combine(RepositoryRoot, "template.yaml")));

    public static CloudFormationTemplate Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return new CloudFormationTemplate((Dictionary<string, object?>)Convert(stream.Documents[0].RootNode)!);
    }

    public Dictionary<string, object?> Root { get; }

    public Dictionary<string, object?> Resources => Map(Root["Resources"]);

    public IEnumerable<(string Name, Dictionary<string, object?> Properties)> ResourcesOfType(string type) =>
        Resources
            .Where(r => Str(Map(r.Value)["Type"]) == type)
            .Select(r => (r.Key, Map(r.Value).TryGetValue("Properties", out var p) ? Map(p) : []));

    public Dictionary<string, object?> Properties(string resource) => Map(Map(Resources[resource])["Properties"]);

    public static Dictionary<string, object?> Map(object? node) =>
        node as Dictionary<string, object?> ?? throw new InvalidDataException($"Expected a mapping, found {Describe(node)}.");

    public static List<object?> List(object? node) =>
        node as List<object?> ?? throw new InvalidDataException($"Expected a sequence, found {Describe(node)}.");

    public static string Str(object? node) =>
        node as string ?? throw new InvalidDataException($"Expected a scalar, found {Describe(node)}.");

    /// <summary>A value that may be one item or a list of them (IAM's Action and Resource).</summary>
    public static IEnumerable<object?> OneOrMany(object? node) => node is List<object?> list ? list : [node];

    /// <summary>The resource a <c>!Ref</c> names, or null when the node is something else.</summary>
    public static string? RefTarget(object? node) =>
        node is Dictionary<string, object?> map && map.Count == 1 && map.TryGetValue("Ref", out var target) ? target as string : null;

    /// <summary>"A.B" for <c>!GetAtt A.B</c>, or null.</summary>
    public static string? GetAttTarget(object? node) =>
        node is Dictionary<string, object?> map && map.Count == 1 && map.TryGetValue("Fn::GetAtt", out var target)
            ? string.Join('.', List(target).Select(Str))
            : null;

    /// <summary>The text of a <c>!Sub</c>, or null.</summary>
    public static string? SubText(object? node) =>
        node is Dictionary<string, object?> map && map.Count == 1 && map.TryGetValue("Fn::Sub", out var text) ? text as string : null;

    /// <summary>Every node below <paramref name="node"/>, depth first (for "nothing anywhere may…" checks).</summary>
    public static IEnumerable<object?> Descendants(object? node)
    {
        yield return node;
        var children = node switch
        {
            Dictionary<string, object?> map => map.Values,
            List<object?> list => (IEnumerable<object?>)list,
            _ => [],
        };
        foreach (var child in children)
        {
            foreach (var descendant in Descendants(child))
            {
                yield return descendant;
            }
        }
    }

    private static object? Convert(YamlNode node)
    {
        object? value = node switch
        {
            YamlMappingNode mapping => mapping.Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => Convert(c.Value)),
            YamlSequenceNode sequence => sequence.Children.Select(Convert).ToList(),
            YamlScalarNode scalar => scalar.Value,
            _ => throw new InvalidDataException($"Unsupported YAML node {node.NodeType} at {node.Start}."),
        };

        var tag = node.Tag.IsEmpty ? null : node.Tag.Value;
        if (tag is null || !tag.StartsWith('!') || tag.StartsWith("!!", StringComparison.Ordinal) || tag.StartsWith("tag:", StringComparison.Ordinal))
        {
            return value;
        }

        var function = tag[1..];
        return function switch
        {
            "Ref" or "Condition" => new Dictionary<string, object?> { [function] = value },
            "GetAtt" when value is string dotted => new Dictionary<string, object?> { ["Fn::GetAtt"] = dotted.Split('.', 2).Cast<object?>().ToList() },
            _ => new Dictionary<string, object?> { ["Fn::" + function] = value },
        };
    }

    private static string Describe(object? node) => node switch
    {
        null => "nothing",
        string s => $"\"{s}\"",
        _ => node.GetType().Name,
    };
}
