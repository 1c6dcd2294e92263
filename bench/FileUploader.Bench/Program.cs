// Benchmarks, each printing a side-by-side table. Usage:
//   dotnet run -c Release --project bench/FileUploader.Bench -- engine|upload|coldstart|all
// Each suite lives in its own file; see docs/benchmarks.md for recorded figures.
using FileUploader.Bench;

var suite = args.Length > 0 ? args[0] : "all";
var rest = args.Skip(1).ToArray();
switch (suite)
{
    case "engine":
        return await EngineBenchmark.RunAsync(rest);
    case "upload":
        return await UploadBenchmark.RunAsync(rest);
    case "coldstart":
        return await ColdStartBenchmark.RunAsync(rest);
    case "all":
        var failures = 0;
        failures += await EngineBenchmark.RunAsync(rest);
        failures += await UploadBenchmark.RunAsync(rest);
        failures += await ColdStartBenchmark.RunAsync(rest);
        return failures;
    default:
        Console.Error.WriteLine($"Unknown suite '{suite}'. Use engine, upload, coldstart or all.");
        return 2;
}
