using System.Collections;

namespace FileUploader.Server.Diagnostics;

/// <summary>
/// Logging scope for one upload or one step: puts <c>UploadId</c> (or, in an expiry execution, <c>FileId</c>) and
/// <c>ExecutionArn</c> on every line written inside it. Executions are named after the upload (expiry: the file),
/// so the execution's name is the id.
/// </summary>
internal sealed class ExecutionScope : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly KeyValuePair<string, object?>[] _values;

    public ExecutionScope(string executionArn)
    {
        var name = executionArn[(executionArn.LastIndexOf(':') + 1)..];
        var idKey = executionArn.Contains(":execution:" + Workflow.WorkflowDefinitions.ExpiryMachineName + ":", StringComparison.Ordinal) ? "FileId" : "UploadId";
        _values = [new(idKey, name), new("ExecutionArn", executionArn)];
    }

    public ExecutionScope(string uploadId, string? executionArn)
    {
        _values = [new("UploadId", uploadId), new("ExecutionArn", executionArn)];
    }

    public int Count => _values.Length;

    public KeyValuePair<string, object?> this[int index] => _values[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_values).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"{_values[0].Key}:{_values[0].Value} ExecutionArn:{_values[1].Value}";
}
