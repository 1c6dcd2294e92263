namespace FileUploader.Testing.Fixtures;

/// <summary>Where things are in the checkout, found from the running test assembly (no hard-coded paths).</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the configuration the tests were built with, so child processes match it.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release"
            : "Debug";

    /// <summary>The built entry assembly of a src/ project, e.g. <c>OutputOf("FileUploader.Server", "FileUploader.Server.dll")</c>.</summary>
    public static string OutputOf(string project, string assemblyFileName)
    {
        var path = Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", assemblyFileName);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{path} is missing: build the solution ({Configuration}) before running these tests.", path);
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FileUploader.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No FileUploader.sln above {AppContext.BaseDirectory}.");
    }
}
