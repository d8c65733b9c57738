using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Handoff.Benchmarks;

var options = BenchOptions.Parse(args);

// WebApplicationFactory finds MvcTestingAppManifest.json (the content roots of the API and the emulator) in the current
// directory, as under a test runner; `dotnet run` starts elsewhere. Results still go where the command was run.
var artifacts = Path.Combine(Environment.CurrentDirectory, "BenchmarkDotNet.Artifacts");
Directory.SetCurrentDirectory(AppContext.BaseDirectory);
if (options.Profile)
{
    await RelayProfile.RunAsync(options);
    return 0;
}

if (options.Sustained is not null)
{
    return await SustainedRun.RunAsync(options) ? 0 : 1;
}

// The verdict comes from the paired run (see PairedRun); the BenchmarkDotNet run before it gives the statistics of each case.
if (options.Paired)
{
    return await PairedRun.RunAsync(options) ? 0 : 1;
}

RelayBenchmarks.Options = options;

// In-process (the servers live in this process, started by GlobalSetup), one invocation per iteration (an operation is
// seconds long), Monitoring strategy: no pilot or overhead stages, which only make sense for nanosecond operations.
var job = Job.Default
    .WithToolchain(InProcessEmitToolchain.Instance)
    .WithStrategy(RunStrategy.Monitoring)
    .WithLaunchCount(1)
    .WithWarmupCount(options.Warmup)
    .WithIterationCount(options.Iterations)
    .WithInvocationCount(1)
    .WithUnrollFactor(1)
    .WithId(options.Quick ? "quick" : "relay");
var config = ManualConfig.CreateEmpty()
    .AddJob(job)
    .AddLogger(ConsoleLogger.Default)
    .AddColumnProvider(DefaultColumnProviders.Instance)
    .AddColumn(StatisticColumn.Min, StatisticColumn.Max)
    .AddExporter(MarkdownExporter.GitHub)
    .WithArtifactsPath(artifacts)
    .WithSummaryStyle(SummaryStyle.Default.WithTimeUnit(Perfolizer.Horology.TimeUnit.Millisecond));

var summary = BenchmarkRunner.Run<RelayBenchmarks>(config);
var ran = ThroughputReport.Print(summary, options);
if (!ran || options.Sequential)
{
    return ran ? 0 : 1;
}

return await PairedRun.RunAsync(options) ? 0 : 1;
