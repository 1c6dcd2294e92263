using FileUploader.Cli.Api;
using FileUploader.Cli.Terminal;

namespace FileUploader.Cli.Commands;

/// <summary>
/// What every command needs, built once per invocation from the options and the environment (read here and
/// nowhere else): the endpoint, the HTTP client, the token store, and whether a person is watching.
/// </summary>
internal sealed record CliEnvironment(
    FileUploaderClient Client,
    DeleteTokenStore Tokens,
    TextWriter Output,
    TextWriter Errors,
    bool Interactive,
    TimeProvider Time)
{
    public const string EndpointVariable = "FILEUPLOADER_ENDPOINT";
    public const string ConfigDirectoryVariable = "FILEUPLOADER_CONFIG_DIR";
    public static readonly Uri DefaultEndpoint = new("http://127.0.0.1:8080/");

    public static CliEnvironment Create(string? endpointOption, HttpClient http)
    {
        var endpoint = ParseEndpoint(endpointOption ?? Environment.GetEnvironmentVariable(EndpointVariable));
        var interactive = !Console.IsOutputRedirected && !Console.IsErrorRedirected;
        var tokens = DeleteTokenStore.ForCurrentUser(Environment.GetEnvironmentVariable(ConfigDirectoryVariable));
        return new CliEnvironment(
            new FileUploaderClient(http, endpoint, TimeProvider.System),
            tokens,
            Console.Out,
            Console.Error,
            interactive,
            TimeProvider.System);
    }

    private static Uri ParseEndpoint(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return DefaultEndpoint;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new CliException(ExitCode.Usage, $"The endpoint '{text}' is not an http(s) URL.");
        }

        // Relative paths ("uploads", "files/x") must resolve under the endpoint's path, which needs a trailing slash.
        return uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri + "/");
    }
}
