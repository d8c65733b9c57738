using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;

namespace Handoff.AppHost.Tests;

/// <summary>AppHost tests start whole stacks (~25 s each, several processes): one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AppHostCollection
{
    public const string Name = "apphost";
}

internal static class AppHostTesting
{
    /// <summary>
    /// Gives this run's handoff-api its own SQLite file: a developer's local handoff.db (and any other run) stays
    /// out of the test, and the test's outbox never reaches another run's emulator.
    /// </summary>
    public static IDistributedApplicationTestingBuilder UseFreshDatabase(this IDistributedApplicationTestingBuilder builder)
    {
        var path = Path.Combine(Path.GetTempPath(), $"handoff-apphost-{Guid.NewGuid():N}.db");
        var api = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "handoff-api");
        builder.CreateResourceBuilder(api).WithEnvironment("ConnectionStrings__handoff", $"Data Source={path}");
        return builder;
    }
}
