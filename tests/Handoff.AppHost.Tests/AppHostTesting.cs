using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Handoff.Testing;

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
    /// out of the test, and the test's outbox never reaches another run's emulator. Dispose it after the app.
    /// </summary>
    public static TempDatabase UseFreshDatabase(this IDistributedApplicationTestingBuilder builder)
    {
        var database = new TempDatabase("apphost");
        var api = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "handoff-api");
        builder.CreateResourceBuilder(api).WithEnvironment("ConnectionStrings__handoff", database.ConnectionString);
        return database;
    }

    /// <summary>Polls <paramref name="probe"/> until it returns a value (60 s at most).</summary>
    public static async Task<string> PollAsync(Func<Task<string?>> probe, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            await Task.Delay(250, ct);
        }

        throw new TimeoutException("The handoff did not make it through the AppHost in time.");
    }

    /// <summary>The repository root: the nearest folder above the test binaries holding Handoff.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Handoff.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("No Handoff.sln above the test binaries.");
    }
}
