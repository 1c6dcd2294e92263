using FileUploader.StateMachine.Documents;
using System.Text.Json.Nodes;

namespace FileUploader.StateMachine.Language;

/// <summary>
/// The condition of a Choice rule (spec "Choice Rules"), parsed once: a comparison of <c>Variable</c> with a
/// literal or with another path (<c>…Path</c> operators), or <c>And</c> / <c>Or</c> / <c>Not</c> over nested
/// rules. <c>Next</c> and <c>Assign</c> belong to the interpreter; they are only checked for placement here.
/// </summary>
/// <remarks>
/// <c>Variable</c> and the <c>…Path</c> operands are Reference Paths (AWS: "The values of Variable and Path fields
/// in a comparison must be valid Reference Paths"), including <c>$$…</c> and <c>$var…</c>.
/// Semantics follow AWS where the spec is silent: a value of the wrong type compares false (so
/// <c>Not</c> of it is true); a <c>Variable</c> (or operand path) that selects nothing is a runtime error
/// States.Runtime "Invalid path '…': The choice state's condition path references an invalid value.",
/// except for <c>IsPresent</c>, which exists to test that.
/// </remarks>
internal abstract class ChoiceRule
{
    private static readonly HashSet<string> TopLevelOnlyFields = new(StringComparer.Ordinal) { "Next", "Assign" };

    /// <summary>True when the rule (or a nested rule) holds for this input, context and variables.</summary>
    public abstract bool Evaluate(PathContext ctx);

    /// <summary>
    /// Parses a top-level rule (one element of <c>Choices</c>), adding every problem to <paramref name="errors"/>
    /// as "<c>location: reason</c>". Always answers a rule; one parsed with errors fails if evaluated.
    /// </summary>
    public static ChoiceRule Parse(DocObject rule, string location, ICollection<string> errors)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(errors);
        var problems = new List<(string Location, string Message)>();
        var parsed = ParseRule(rule, location, topLevel: true, problems);
        foreach (var (at, message) in problems)
        {
            errors.Add($"{at}: {message}");
        }

        return problems.Count == 0 ? parsed : new InvalidChoiceRule(location);
    }

    /// <summary>The same as the string form, reporting to the validator's diagnostics list.</summary>
    public static ChoiceRule Parse(DocObject rule, string location, ICollection<Service.ValidationDiagnostic> errors)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(errors);
        var problems = new List<(string Location, string Message)>();
        var parsed = ParseRule(rule, location, topLevel: true, problems);
        foreach (var (at, message) in problems)
        {
            errors.Add(new Service.ValidationDiagnostic("ERROR", "SCHEMA_VALIDATION_FAILED", message, at));
        }

        return problems.Count == 0 ? parsed : new InvalidChoiceRule(location);
    }

    private static ChoiceRule ParseRule(DocObject rule, string location, bool topLevel, List<(string, string)> problems)
    {
        var combinators = new List<string>();
        var operators = new List<ChoiceOperator>();
        var unknownFields = 0;
        foreach (var (key, _) in rule)
        {
            if (key is "And" or "Or" or "Not")
            {
                combinators.Add(key);
            }
            else if (ChoiceOperator.TryGet(key, out var op))
            {
                operators.Add(op!);
            }
            else if (TopLevelOnlyFields.Contains(key))
            {
                if (!topLevel)
                {
                    problems.Add((location, $"'{key}' is only allowed in a top-level choice rule, not in a nested one"));
                }
            }
            else if (key is not ("Variable" or "Comment"))
            {
                problems.Add((location, $"unknown comparison operator '{key}'"));
                unknownFields++;
            }
        }

        var hasVariable = rule.ContainsKey("Variable");
        if (combinators.Count > 1)
        {
            problems.Add((location, $"a choice rule can use only one of 'And', 'Or' and 'Not', but has {Quote(combinators)}"));
            return new InvalidChoiceRule(location);
        }

        if (combinators.Count == 1)
        {
            if (hasVariable || operators.Count > 0)
            {
                problems.Add((location, $"a choice rule cannot combine '{combinators[0]}' with 'Variable' or a comparison operator"));
            }

            return ParseCombinator(rule, combinators[0], location, problems);
        }

        if (operators.Count == 0)
        {
            if (unknownFields > 0)
            {
                // The unknown field was most likely meant as the operator: one message is enough.
                return new InvalidChoiceRule(location);
            }

            problems.Add((location, hasVariable
                ? "the choice rule has a 'Variable' but no comparison operator"
                : "a choice rule needs 'Variable' and a comparison operator, or one of 'And', 'Or', 'Not'"));
            return new InvalidChoiceRule(location);
        }

        if (operators.Count > 1)
        {
            problems.Add((location, $"a choice rule can have only one comparison operator, but has {Quote(operators.Select(o => o.Name))}"));
            return new InvalidChoiceRule(location);
        }

        if (!hasVariable)
        {
            problems.Add((location, $"the comparison '{operators[0].Name}' needs a 'Variable'"));
            return new InvalidChoiceRule(location);
        }

        return ParseComparison(rule, operators[0], location, problems);
    }

    private static ChoiceRule ParseCombinator(DocObject rule, string name, string location, List<(string, string)> problems)
    {
        var value = rule[name];
        var at = $"{location}/{name}";
        if (name == "Not")
        {
            if (value is not DocObject inner)
            {
                problems.Add((at, "the value of 'Not' must be a choice rule object"));
                return new InvalidChoiceRule(at);
            }

            return new NotChoiceRule(ParseRule(inner, at, topLevel: false, problems));
        }

        if (value is not DocArray items || items.Count == 0)
        {
            problems.Add((at, $"the value of '{name}' must be a non-empty array of choice rules"));
            return new InvalidChoiceRule(at);
        }

        var rules = new ChoiceRule[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is DocObject item)
            {
                rules[i] = ParseRule(item, $"{at}/{i}", topLevel: false, problems);
            }
            else
            {
                problems.Add(($"{at}/{i}", "a choice rule must be an object"));
                rules[i] = new InvalidChoiceRule($"{at}/{i}");
            }
        }

        return name == "And" ? new AndChoiceRule(rules) : new OrChoiceRule(rules);
    }

    private static ChoiceRule ParseComparison(DocObject rule, ChoiceOperator op, string location, List<(string, string)> problems)
    {
        var problemCount = problems.Count;
        ReferencePath? variable = null;
        if (!JsonValues.TryGetString(rule["Variable"], out var variableText))
        {
            problems.Add(($"{location}/Variable", "the value of 'Variable' must be a string path"));
        }
        else
        {
            variable = CompilePath(variableText, $"{location}/Variable", "Variable", problems);
        }

        var operand = rule[op.Name];
        var operandLocation = $"{location}/{op.Name}";
        ReferencePath? operandPath = null;
        StringPattern? pattern = null;
        DateTimeOffset timestamp = default;
        if (op.IsPath)
        {
            if (JsonValues.TryGetString(operand, out var pathText))
            {
                operandPath = CompilePath(pathText, operandLocation, op.Name, problems);
            }
            else
            {
                problems.Add((operandLocation, $"the value of '{op.Name}' must be a string path"));
            }
        }
        else
        {
            var ok = op.Type switch
            {
                ChoiceOperandType.String => JsonValues.TryGetString(operand, out _),
                ChoiceOperandType.Number => JsonValues.IsNumber(operand),
                ChoiceOperandType.Boolean or ChoiceOperandType.TypeTest => JsonValues.IsBoolean(operand),
                _ => JsonValues.TryGetString(operand, out var ts) && AslTimestamp.TryParse(ts, out timestamp),
            };
            if (!ok)
            {
                problems.Add((operandLocation, $"the value of '{op.Name}' must be {op.ExpectedText}"));
            }
            else if (op.Kind == ChoiceComparison.Matches)
            {
                JsonValues.TryGetString(operand, out var patternText);
                pattern = StringPattern.Parse(patternText);
            }
        }

        if (problems.Count != problemCount)
        {
            return new InvalidChoiceRule(location);
        }

        return new ComparisonChoiceRule(variable!, op, operand?.DeepClone(), operandPath, pattern, timestamp);
    }

    private static ReferencePath? CompilePath(string text, string location, string field, List<(string, string)> problems)
    {
        if (IntrinsicFunctions.IsIntrinsic(text))
        {
            problems.Add((location, $"the value of '{field}' must be a path, not an intrinsic function"));
            return null;
        }

        try
        {
            return ReferencePath.Parse(text);
        }
        catch (PathSyntaxException ex)
        {
            problems.Add((location, ex.Message));
            return null;
        }
    }

    private static string Quote(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));
}

internal sealed class AndChoiceRule(ChoiceRule[] rules) : ChoiceRule
{
    public override bool Evaluate(PathContext ctx)
    {
        foreach (var rule in rules)
        {
            if (!rule.Evaluate(ctx))
            {
                return false;
            }
        }

        return true;
    }
}

internal sealed class OrChoiceRule(ChoiceRule[] rules) : ChoiceRule
{
    public override bool Evaluate(PathContext ctx)
    {
        foreach (var rule in rules)
        {
            if (rule.Evaluate(ctx))
            {
                return true;
            }
        }

        return false;
    }
}

internal sealed class NotChoiceRule(ChoiceRule inner) : ChoiceRule
{
    public override bool Evaluate(PathContext ctx) => !inner.Evaluate(ctx);
}

/// <summary>Stands in for a rule that failed to parse; a definition with errors never runs.</summary>
internal sealed class InvalidChoiceRule(string location) : ChoiceRule
{
    public override bool Evaluate(PathContext ctx) =>
        throw new StatesException(StatesErrors.Runtime, $"The choice rule at {location} is invalid and cannot be evaluated.");
}

internal sealed class ComparisonChoiceRule(
    ReferencePath variable,
    ChoiceOperator op,
    DocNode? literal,
    ReferencePath? operandPath,
    StringPattern? pattern,
    DateTimeOffset literalTimestamp) : ChoiceRule
{
    // Literal operands decoded once, so an evaluation reads only the input side.
    private readonly bool _literalBool = JsonValues.TryGetBoolean(literal, out var b) && b;
    private readonly string? _literalString = JsonValues.TryGetString(literal, out var s) ? s : null;
    private readonly decimal? _literalDecimal = JsonValues.TryGetDecimal(literal, out var d) ? d : null;

    public override bool Evaluate(PathContext ctx)
    {
        if (!variable.TryGet(ctx, out var value))
        {
            if (op.Kind == ChoiceComparison.IsPresent)
            {
                return !_literalBool;
            }

            throw InvalidPath(variable);
        }

        switch (op.Kind)
        {
            case ChoiceComparison.IsPresent:
                return _literalBool;
            case ChoiceComparison.IsNull:
                return JsonValues.IsNull(value) == _literalBool;
            case ChoiceComparison.IsNumeric:
                return JsonValues.IsNumber(value) == _literalBool;
            case ChoiceComparison.IsString:
                return JsonValues.TryGetString(value, out _) == _literalBool;
            case ChoiceComparison.IsBoolean:
                return JsonValues.IsBoolean(value) == _literalBool;
            case ChoiceComparison.IsTimestamp:
                return (JsonValues.TryGetString(value, out var ts) && AslTimestamp.TryParse(ts, out _)) == _literalBool;
            case ChoiceComparison.Matches:
                return JsonValues.TryGetString(value, out var text) && pattern!.IsMatch(text);
        }

        var operand = literal;
        if (operandPath is not null && !operandPath.TryGet(ctx, out operand))
        {
            throw InvalidPath(operandPath);
        }

        int order;
        switch (op.Type)
        {
            case ChoiceOperandType.String:
                if (!JsonValues.TryGetString(value, out var left))
                {
                    return false;
                }

                var right = operandPath is null ? _literalString : (JsonValues.TryGetString(operand, out var r) ? r : null);
                if (right is null)
                {
                    return false;
                }

                order = string.CompareOrdinal(left, right);
                break;
            case ChoiceOperandType.Number:
                if (!JsonValues.IsNumber(value) || !JsonValues.IsNumber(operand))
                {
                    return false;
                }

                order = operandPath is null && _literalDecimal is { } literalNumber && JsonValues.TryGetDecimal(value, out var leftNumber)
                    ? leftNumber.CompareTo(literalNumber)
                    : JsonValues.CompareNumbers(value, operand);
                break;
            case ChoiceOperandType.Boolean:
                return JsonValues.TryGetBoolean(value, out var lb) && JsonValues.TryGetBoolean(operand, out var rb) && lb == rb;
            default:
                if (!JsonValues.TryGetString(value, out var lt) || !AslTimestamp.TryParse(lt, out var leftTime))
                {
                    return false;
                }

                var rightTime = literalTimestamp;
                if (operandPath is not null
                    && (!JsonValues.TryGetString(operand, out var rt) || !AslTimestamp.TryParse(rt, out rightTime)))
                {
                    return false;
                }

                order = leftTime.CompareTo(rightTime);
                break;
        }

        return op.Kind switch
        {
            ChoiceComparison.Equals => order == 0,
            ChoiceComparison.LessThan => order < 0,
            ChoiceComparison.GreaterThan => order > 0,
            ChoiceComparison.LessThanEquals => order <= 0,
            _ => order >= 0,
        };
    }

    private static StatesException InvalidPath(ReferencePath path) => new(
        StatesErrors.Runtime,
        $"Invalid path '{path.Text}': The choice state's condition path references an invalid value.");
}

internal enum ChoiceOperandType
{
    String,
    Number,
    Boolean,
    Timestamp,
    TypeTest,
}

internal enum ChoiceComparison
{
    Equals,
    LessThan,
    GreaterThan,
    LessThanEquals,
    GreaterThanEquals,
    Matches,
    IsNull,
    IsPresent,
    IsNumeric,
    IsString,
    IsBoolean,
    IsTimestamp,
}

/// <summary>One of the comparison operators of the spec, e.g. <c>NumericLessThanPath</c>.</summary>
internal sealed class ChoiceOperator
{
    private static readonly Dictionary<string, ChoiceOperator> All = Build();

    private ChoiceOperator(string name, ChoiceOperandType type, ChoiceComparison kind, bool isPath)
    {
        Name = name;
        Type = type;
        Kind = kind;
        IsPath = isPath;
    }

    public string Name { get; }

    public ChoiceOperandType Type { get; }

    public ChoiceComparison Kind { get; }

    public bool IsPath { get; }

    public string ExpectedText => Type switch
    {
        ChoiceOperandType.String => "a string",
        ChoiceOperandType.Number => "a number",
        ChoiceOperandType.Timestamp => "an RFC3339 timestamp string such as '2016-03-14T01:59:00Z'",
        _ => "a boolean",
    };

    public static bool TryGet(string name, out ChoiceOperator? op) => All.TryGetValue(name, out op);

    private static Dictionary<string, ChoiceOperator> Build()
    {
        var all = new Dictionary<string, ChoiceOperator>(StringComparer.Ordinal);
        var orderings = new (string Suffix, ChoiceComparison Kind)[]
        {
            ("Equals", ChoiceComparison.Equals),
            ("LessThan", ChoiceComparison.LessThan),
            ("GreaterThan", ChoiceComparison.GreaterThan),
            ("LessThanEquals", ChoiceComparison.LessThanEquals),
            ("GreaterThanEquals", ChoiceComparison.GreaterThanEquals),
        };
        foreach (var (prefix, type) in new[] { ("String", ChoiceOperandType.String), ("Numeric", ChoiceOperandType.Number), ("Timestamp", ChoiceOperandType.Timestamp) })
        {
            foreach (var (suffix, kind) in orderings)
            {
                Add(prefix + suffix, type, kind);
            }
        }

        Add("BooleanEquals", ChoiceOperandType.Boolean, ChoiceComparison.Equals);
        all["StringMatches"] = new ChoiceOperator("StringMatches", ChoiceOperandType.String, ChoiceComparison.Matches, isPath: false);
        foreach (var (name, kind) in new[]
        {
            ("IsNull", ChoiceComparison.IsNull), ("IsPresent", ChoiceComparison.IsPresent), ("IsNumeric", ChoiceComparison.IsNumeric),
            ("IsString", ChoiceComparison.IsString), ("IsBoolean", ChoiceComparison.IsBoolean), ("IsTimestamp", ChoiceComparison.IsTimestamp),
        })
        {
            all[name] = new ChoiceOperator(name, ChoiceOperandType.TypeTest, kind, isPath: false);
        }

        return all;

        void Add(string name, ChoiceOperandType type, ChoiceComparison kind)
        {
            all[name] = new ChoiceOperator(name, type, kind, isPath: false);
            all[name + "Path"] = new ChoiceOperator(name + "Path", type, kind, isPath: true);
        }
    }
}

/// <summary>
/// The StringMatches pattern: <c>*</c> matches any run of characters (also none); <c>\*</c> is a literal star
/// and <c>\\</c> a literal backslash. Any other character, including a backslash before anything else, is literal.
/// </summary>
internal sealed class StringPattern
{
    private readonly string[] _pieces;

    private StringPattern(string[] pieces) => _pieces = pieces;

    public static StringPattern Parse(string pattern)
    {
        var pieces = new List<string>();
        var current = new System.Text.StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length && pattern[i + 1] is '*' or '\\')
            {
                current.Append(pattern[++i]);
            }
            else if (c == '*')
            {
                pieces.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        pieces.Add(current.ToString());
        return new StringPattern([.. pieces]);
    }

    /// <summary>Literal pieces split at the wildcards: n pieces means n - 1 stars.</summary>
    public bool IsMatch(string text)
    {
        if (_pieces.Length == 1)
        {
            return string.Equals(text, _pieces[0], StringComparison.Ordinal);
        }

        var first = _pieces[0];
        var last = _pieces[^1];
        if (text.Length < first.Length + last.Length
            || !text.StartsWith(first, StringComparison.Ordinal)
            || !text.EndsWith(last, StringComparison.Ordinal))
        {
            return false;
        }

        // Greedy left-to-right placement of the middle pieces is optimal for '*'-only patterns.
        var pos = first.Length;
        var limit = text.Length - last.Length;
        for (var i = 1; i < _pieces.Length - 1; i++)
        {
            var piece = _pieces[i];
            var found = text.IndexOf(piece, pos, limit - pos, StringComparison.Ordinal);
            if (found < 0)
            {
                return false;
            }

            pos = found + piece.Length;
        }

        return true;
    }
}
