using FileUploader.StateMachine.Documents;
using System.Text.Json.Nodes;

namespace FileUploader.StateMachine.Language;

/// <summary>
/// What a path, intrinsic function or payload template can see: the state's effective input (<c>$</c>), the
/// context object (<c>$$</c>) and the variables in scope (<c>$name</c>, ASL variables added in 2024).
/// </summary>
internal readonly record struct PathContext(
    DocNode? Input,
    DocNode? Context,
    IReadOnlyDictionary<string, DocNode?> Variables);
