namespace Handoff.Reliability.Tests;

/// <summary>
/// The reliability tests load the machine (a thousand messages, a second API process, a fault storm): they run one after
/// another, never beside each other, so their timings mean something on a small CI machine.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReliabilityCollection : ICollectionFixture<ReportSink>
{
    public const string Name = "Reliability";
}
