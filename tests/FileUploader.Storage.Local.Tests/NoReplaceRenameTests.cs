using FileUploader.Testing.Fixtures;

namespace FileUploader.Storage.Local.Tests;

public sealed class NoReplaceRenameTests : IDisposable
{
    private readonly TempDirectory folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void TryMove_DestinationFileExists_ReplacesNothing()
    {
        var source = Write("source", "new");
        var destination = Write("destination", "old");

        var outcome = NoReplaceRename.TryMove(source, destination);

        Assert.Equal(RenameOutcome.DestinationExists, outcome);
        Assert.Equal("old", File.ReadAllText(destination));
        Assert.Equal("new", File.ReadAllText(source));
    }

    [Fact]
    public void TryMove_DestinationFree_MovesTheFile()
    {
        var source = Write("source", "bytes");
        var destination = Path.Combine(folder.Path, "destination");

        var outcome = NoReplaceRename.TryMove(source, destination);

        Assert.Equal(RenameOutcome.Moved, outcome);
        Assert.Equal("bytes", File.ReadAllText(destination));
        Assert.False(File.Exists(source));
    }

    [Fact]
    public void TryMove_SourceMissing_SaysSo()
    {
        var outcome = NoReplaceRename.TryMove(Path.Combine(folder.Path, "nothing"), Path.Combine(folder.Path, "destination"));

        Assert.Equal(RenameOutcome.SourceMissing, outcome);
        Assert.False(File.Exists(Path.Combine(folder.Path, "destination")));
    }

    [Fact]
    public void TryMove_FolderOntoAFile_ReplacesNothing()
    {
        var source = Path.Combine(folder.Path, "legacy");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "data"), "inside");
        var destination = Write("destination", "old");

        var outcome = NoReplaceRename.TryMove(source, destination);

        Assert.Equal(RenameOutcome.DestinationExists, outcome);
        Assert.Equal("old", File.ReadAllText(destination));
        Assert.Equal("inside", File.ReadAllText(Path.Combine(source, "data")));
    }

    [Fact]
    public void TryDeleteFile_FileThenMissingThenFolder_TrueOnlyForTheFile()
    {
        var file = Write("file", "x");
        var legacy = Path.Combine(folder.Path, "legacy");
        Directory.CreateDirectory(legacy);

        Assert.True(NoReplaceRename.TryDeleteFile(file));
        Assert.False(NoReplaceRename.TryDeleteFile(file));
        Assert.False(NoReplaceRename.TryDeleteFile(legacy));
        Assert.False(File.Exists(file));
        Assert.True(Directory.Exists(legacy));
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(folder.Path, name);
        File.WriteAllText(path, text);
        return path;
    }
}
