using FileUploader.Testing.Fixtures;

namespace FileUploader.Storage.Aws.Tests;

// One server process per collection, shared by its test classes (each test uses its own bucket, table or keys).
// Different collections run in parallel, so moto, s3rver and dynalite are exercised at the same time.

[CollectionDefinition(Name)]
public sealed class MotoCollection : ICollectionFixture<MotoServerFixture>
{
    public const string Name = "moto";
}

/// <summary>moto served one request at a time, for the catalog's atomicity contract (see SerialMotoServerFixture).</summary>
[CollectionDefinition(Name)]
public sealed class SerialMotoCollection : ICollectionFixture<SerialMotoServerFixture>
{
    public const string Name = "moto, serial";
}

[CollectionDefinition(Name)]
public sealed class S3rverCollection : ICollectionFixture<S3rverFixture>
{
    public const string Name = "s3rver";
}

[CollectionDefinition(Name)]
public sealed class DynaliteCollection : ICollectionFixture<DynaliteFixture>
{
    public const string Name = "dynalite";
}

/// <summary>
/// Tests that set process-wide environment variables (AWS_ENDPOINT_URL…). xunit runs a collection with
/// parallelisation disabled on its own, after the parallel ones, so no other test sees those variables.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "process environment";
}
