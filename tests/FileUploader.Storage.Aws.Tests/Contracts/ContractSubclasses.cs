using FileUploader.Core.Ports;
using FileUploader.Testing.Contracts;
using FileUploader.Testing.Fixtures;

namespace FileUploader.Storage.Aws.Tests.Contracts;

// The shared port contracts, run over real HTTP against each compatible server with the real AWS SDK.

[Collection(MotoCollection.Name)]
public sealed class MotoObjectStoreContractTests(MotoServerFixture moto) : ObjectStoreContract
{
    protected override async Task<IObjectStore> CreateStoreAsync() => await AwsTestStorage.CreateObjectStoreAsync(moto);
}

[Collection(S3rverCollection.Name)]
public sealed class S3rverObjectStoreContractTests(S3rverFixture s3rver) : ObjectStoreContract
{
    protected override async Task<IObjectStore> CreateStoreAsync() => await AwsTestStorage.CreateObjectStoreAsync(s3rver);
}

[Collection(MotoCollection.Name)]
public sealed class MotoFileCatalogContractTests(MotoServerFixture moto) : FileCatalogContract
{
    protected override async Task<IFileCatalog> CreateCatalogAsync() => await AwsTestStorage.CreateCatalogAsync(moto);
}

[Collection(DynaliteCollection.Name)]
public sealed class DynaliteFileCatalogContractTests(DynaliteFixture dynalite) : FileCatalogContract
{
    protected override async Task<IFileCatalog> CreateCatalogAsync() => await AwsTestStorage.CreateCatalogAsync(dynalite);
}
