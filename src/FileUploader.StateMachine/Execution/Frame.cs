using FileUploader.StateMachine.Definition;
using FileUploader.StateMachine.Documents;
using FileUploader.StateMachine.History;
using FileUploader.StateMachine.Journal;
using FileUploader.StateMachine.Language;

namespace FileUploader.StateMachine.Execution;

internal enum FrameStatus
{
    Running,
    Succeeded,
    Failed,
}

/// <summary>
/// One thread of an execution: the top level, a Parallel branch or a Map iteration. Only its own runner changes
/// it; the journal sees it through <see cref="ToRecord"/> snapshots taken at commit points.
/// </summary>
internal sealed class Frame
{
    /// <summary>The top level of an execution (id "").</summary>
    public Frame(StateMachineDefinition machine, VariableScope variables, DocNode? input, string? inputJson, DateTimeOffset enteredAt)
        : this(null, -1, machine, variables, input, enteredAt)
    {
        _id = "";
        InputJson = inputJson;
    }

    /// <summary>A Parallel branch or Map iteration of <paramref name="parent"/>'s current state.</summary>
    public Frame(Frame? parent, int index, StateMachineDefinition machine, VariableScope variables, DocNode? input, DateTimeOffset enteredAt)
    {
        Parent = parent;
        _parentStep = parent?.Step ?? 0;
        _parentAttempt = parent?.Attempt ?? 0;
        Index = index;
        Machine = machine;
        Variables = variables;
        StateName = machine.StartAt;
        State = machine.StartState;
        Input = input;
        EnteredAt = enteredAt;
    }

    /// <summary>"" at the top level, else "parentId/step.attempt/index" (see <see cref="ChildId"/>); built on first use.</summary>
    public string Id => _id ??= Parent!.ChildIdAt(_parentStep, _parentAttempt, Index);

    private string? _id;
    private readonly int _parentStep;
    private readonly int _parentAttempt;

    public Frame? Parent { get; }

    /// <summary>Branch index or Map item index; -1 at the top level.</summary>
    public int Index { get; }

    public StateMachineDefinition Machine { get; }

    public VariableScope Variables { get; }

    public string StateName { get; private set; }

    /// <summary>The state <see cref="StateName"/> names when already known (resolved at parse time), else null: the runner looks it up.</summary>
    public StateNode? State { get; set; }

    /// <summary>The raw input of the current state. The frame owns this document.</summary>
    public DocNode? Input { get; set; }

    private string? InputJson { get; set; }

    /// <summary>
    /// What the current state has done to <see cref="Input"/> since it was entered (its ResultPath changes the
    /// document in place), so its Exited event can reuse the Entered event's text; with
    /// <see cref="InputEdit.Appended"/>, <see cref="AppendedName"/> is the member added.
    /// </summary>
    public InputEdit InputEdit { get; private set; }

    public string? AppendedName { get; private set; }

    /// <summary>The current state was just entered: its input is as the Entered event shows it.</summary>
    public void ResetInputEdit()
    {
        InputEdit = InputEdit.None;
        AppendedName = null;
    }

    /// <summary>Records a change about to be made to <see cref="Input"/> in place: <paramref name="appendedName"/> when it adds that new member at the end.</summary>
    public void NoteInputEdit(string? appendedName)
    {
        (InputEdit, AppendedName) = InputEdit == InputEdit.None && appendedName is not null
            ? (InputEdit.Appended, appendedName)
            : (InputEdit.Rewritten, null);
    }

    /// <summary>See <see cref="FrameRecord.Phase"/>.</summary>
    public int Phase { get; set; }

    /// <summary>Counts transitions, so children of different visits to the same Map/Parallel state get different ids.</summary>
    public int Step { get; set; }

    public int[]? RetryCounts { get; set; }

    public DateTimeOffset? DueAt { get; set; }

    /// <summary>When the current state was entered ($$.State.EnteredTime).</summary>
    public DateTimeOffset EnteredAt { get; set; }

    public long LastEventId { get; set; }

    public FrameStatus Status { get; set; }

    public DocNode? Output { get; private set; }

    /// <summary>The output as JSON text, rendered the first time someone needs it (the journal, the execution's result).</summary>
    public string? OutputJson => Status == FrameStatus.Succeeded ? _outputJson ??= JsonText.Write(Output) : null;

    private string? _outputJson;

    /// <summary>The output's text if it was rendered already, without rendering it.</summary>
    public string? RenderedOutputJson => Status == FrameStatus.Succeeded ? _outputJson : null;

    public string? Error { get; set; }

    public string? Cause { get; set; }

    /// <summary>True once a snapshot of this frame reached the journal (so removing it must be journaled too).</summary>
    public bool Persisted { get; set; }

    /// <summary>True when the frame came back from the journal already finished (its completion events are journaled).</summary>
    public bool FinishedBeforeRecovery { get; private set; }

    public int Attempt => RetryCounts is null ? 0 : RetryCounts.Sum();

    public string GetInputJson() => InputJson ??= JsonText.Write(Input);

    public void MoveTo(string stateName, StateNode? state, DocNode? input, string? inputJson)
    {
        StateName = stateName;
        State = state;
        Input = input;
        InputJson = inputJson;
        Phase = 0;
        Step++;
        ResetInputEdit();
        RetryCounts = null;
        DueAt = null;
    }

    /// <summary>The frame ended with <paramref name="output"/> (its text too, when the caller rendered it already).</summary>
    public void Succeed(DocNode? output, string? outputJson)
    {
        Status = FrameStatus.Succeeded;
        Output = output;
        _outputJson = outputJson;
    }

    public string ChildId(int index) => ChildIdAt(Step, Attempt, index);

    private string ChildIdAt(int step, int attempt, int index) => $"{Id}/{step}.{attempt}/{index}";

    public FrameRecord ToRecord() => new(
        Id,
        Parent?.Id,
        Index,
        StateName,
        Phase,
        Step,
        GetInputJson(),
        Variables.HasOwn ? Variables.OwnJson : null,
        RetryCounts is null ? null : string.Join(',', RetryCounts),
        DueAt,
        EnteredAt,
        LastEventId,
        Status switch { FrameStatus.Succeeded => "SUCCEEDED", FrameStatus.Failed => "FAILED", _ => "RUNNING" },
        OutputJson,
        Error,
        Cause);

    public void RestoreFrom(FrameRecord record)
    {
        StateName = record.StateName;
        State = null;
        Phase = record.Phase;
        Step = record.Step;
        Input = DocNode.Parse(record.Input);
        InputJson = record.Input;
        Variables.Restore(record.Variables);
        RetryCounts = string.IsNullOrEmpty(record.RetryCounts) ? null : record.RetryCounts.Split(',').Select(int.Parse).ToArray();
        DueAt = record.DueAt;
        EnteredAt = record.EnteredAt;
        LastEventId = record.LastEventId;
        Status = record.Status switch { "SUCCEEDED" => FrameStatus.Succeeded, "FAILED" => FrameStatus.Failed, _ => FrameStatus.Running };
        _outputJson = record.Output;
        Output = record.Output is null ? null : DocNode.Parse(record.Output);
        Error = record.Error;
        Cause = record.Cause;
        Persisted = true;
        InputEdit = InputEdit.Rewritten;
        FinishedBeforeRecovery = Status != FrameStatus.Running;
    }
}
