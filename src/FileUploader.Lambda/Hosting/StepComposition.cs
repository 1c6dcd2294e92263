using System.Globalization;
using FileUploader.Core.Domain;
using FileUploader.Core.Steps;
using FileUploader.Storage.Aws;
using Microsoft.Extensions.DependencyInjection;

namespace FileUploader.Lambda.Hosting;

/// <summary>
/// The composition root of the step functions: the generated step registrations, the upload policy and the AWS
/// adapters, all from <see cref="LambdaEnvironment"/>. Anything missing or malformed throws, which start-up
/// reports on <c>/init/error</c>.
/// </summary>
internal static class StepComposition
{
    public static IServiceCollection AddFileUploaderSteps(this IServiceCollection services, LambdaEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        services.AddSingleton(CreatePolicy(environment));
        services.AddStorage(environment, environment.Region);
        services.AddSteps();
        return services;
    }

    /// <summary>
    /// The S3 object store, link signer and DynamoDB catalog of every function (steps and the API), from
    /// <c>BUCKET_NAME</c> and <c>TABLE_NAME</c>. Clients are created on first use (singleton factories), so a function
    /// that needs no storage starts no client.
    /// </summary>
    internal static IServiceCollection AddStorage(this IServiceCollection services, LambdaEnvironment environment, string? region)
    {
        var bucket = environment.BucketName
            ?? throw new InvalidOperationException("BUCKET_NAME is not set: template.yaml sets it on every function.");
        var table = environment.TableName
            ?? throw new InvalidOperationException("TABLE_NAME is not set: template.yaml sets it on every function.");
        return services.AddAwsStorage(new AwsStorageOptions
        {
            BucketName = bucket,
            TableName = table,
            KmsKeyId = environment.KmsKeyId,
            Region = region,
        });
    }

    internal static UploadPolicy CreatePolicy(LambdaEnvironment environment)
    {
        var defaults = UploadPolicy.Default;
        return defaults with
        {
            MaxBytes = ParsePositive(environment.MaxUploadBytes, "MAX_UPLOAD_BYTES") ?? defaults.MaxBytes,
            DefaultLinkLifetime = Seconds(ParsePositive(environment.LinkTtlSeconds, "LINK_TTL_SECONDS")) ?? defaults.DefaultLinkLifetime,
            MaxLinkLifetime = Seconds(ParsePositive(environment.MaxLinkTtlSeconds, "MAX_LINK_TTL_SECONDS")) ?? defaults.MaxLinkLifetime,
        };
    }

    private static TimeSpan? Seconds(long? seconds) => seconds is { } s ? TimeSpan.FromSeconds(s) : null;

    private static long? ParsePositive(string? raw, string name)
    {
        if (raw is null)
        {
            return null;
        }

        return long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new FormatException($"{name} must be a positive whole number; it is '{raw}'.");
    }
}
