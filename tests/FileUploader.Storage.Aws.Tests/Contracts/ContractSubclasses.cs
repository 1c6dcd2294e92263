using FileUploader.Core.Ports;
using FileUploader.Testing.Contracts;
using FileUploader.Testing.Fixtures;

namespace FileUploader.Storage.Aws.Tests.Contracts;

// The shared port contracts, run over real HTTP against each compatible server with the real AWS SDK.
//
// s3rver 3.7.1 does not run ObjectStoreContract: three of its bugs break what S3 guarantees, so those
// contract tests would fail for the server's sake, not ours (S3rverObjectStoreTests covers what it does run):
// - it ignores If-None-Match on PUT, so concurrent puts to one key all "win" (our HEAD check narrows the
//   window but cannot close it);
// - it cannot parse x-amz-copy-source as AWSSDK.S3 4.x encodes it ("bucket%2Fkey"), so every CopyObject
//   answers NoSuchBucket, and with it promote and the multipart path's metadata stamp;
// - "Range: bytes=0-0" returns the whole object (it treats an end of 0 as "no end").

[Collection(MotoCollection.Name)]
public sealed class MotoObjectStoreContractTests(MotoServerFixture moto) : ObjectStoreContract
{
    protected override async Task<IObjectStore> CreateStoreAsync() => await AwsTestStorage.CreateObjectStoreAsync(moto);
}

// moto_server's threads let two conditional UpdateItems on one item interleave; see SerialMotoServerFixture.
[Collection(SerialMotoCollection.Name)]
public sealed class MotoFileCatalogContractTests(SerialMotoServerFixture moto) : FileCatalogContract
{
    protected override async Task<IFileCatalog> CreateCatalogAsync() => await AwsTestStorage.CreateCatalogAsync(moto);
}

[Collection(DynaliteCollection.Name)]
public sealed class DynaliteFileCatalogContractTests(DynaliteFixture dynalite) : FileCatalogContract
{
    protected override async Task<IFileCatalog> CreateCatalogAsync() => await AwsTestStorage.CreateCatalogAsync(dynalite);
}
