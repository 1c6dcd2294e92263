using System.CommandLine;
using FileUploader.Cli.Commands;

// `fileuploader`: upload, info, download and revoke against a local server (default http://127.0.0.1:8080)
// or a deployed API (--endpoint URL or FILEUPLOADER_ENDPOINT).
var endpoint = new Option<string?>("--endpoint")
{
    Description = $"The FileUploader API (default: ${CliEnvironment.EndpointVariable} or {CliEnvironment.DefaultEndpoint}).",
    Recursive = true,
};

// No overall timeout (a large upload may take hours), but a server that does not answer a connect is unreachable.
using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) })
{
    Timeout = Timeout.InfiniteTimeSpan,
};
CliEnvironment EnvironmentFor(ParseResult parse) => CliEnvironment.Create(parse.GetValue(endpoint), http);

var root = new RootCommand("Share files with links that expire.")
{
    endpoint,
    UploadCommand.Create(EnvironmentFor),
    InfoCommand.Create(EnvironmentFor),
    DownloadCommand.Create(EnvironmentFor),
    RevokeCommand.Create(EnvironmentFor),
};

return await root.Parse(args).InvokeAsync();
