using System.Reflection;
using Handoff.Core.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Handoff.Core.Tests;

/// <summary>The watch on other processes' commits (<see cref="OtherProcessesWatch"/>) outlives a store that fails for a while.</summary>
public sealed class OtherProcessesWatchTests : IDisposable
{
    private readonly TestData.TempStore _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task A_first_look_at_the_store_that_fails_is_retried_and_does_not_stop_the_host()
    {
        // A background service that throws stops the host: the watch's very first read must be retried like its later ones.
        var store = FlakyStore.Wrap(_db.Store, failFirst: 3);
        using var watch = new OtherProcessesWatch(store, _db.Signals, TimeProvider.System, NullLogger<OtherProcessesWatch>.Instance);

        await watch.StartAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (FlakyStore.Of(store).Succeeded == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.False(watch.ExecuteTask!.IsCompleted);
        Assert.Equal(3, FlakyStore.Of(store).Failed);
        Assert.True(FlakyStore.Of(store).Succeeded >= 1);
        await watch.StopAsync(CancellationToken.None);
        Assert.True(watch.ExecuteTask.IsCompletedSuccessfully);
    }

    /// <summary>Forwards every call to a real store; its first reads of the events' head fail, as a busy database would.</summary>
    public class FlakyStore : DispatchProxy
    {
        private IHandoffStore _inner = null!;
        private int _failFirst;

        public int Failed { get; private set; }

        public int Succeeded { get; private set; }

        public static IHandoffStore Wrap(IHandoffStore inner, int failFirst)
        {
            var proxy = Create<IHandoffStore, FlakyStore>();
            var flaky = (FlakyStore)(object)proxy;
            (flaky._inner, flaky._failFirst) = (inner, failFirst);
            return proxy;
        }

        public static FlakyStore Of(IHandoffStore proxy) => (FlakyStore)(object)proxy;

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod!.Name == nameof(IHandoffStore.GetHandoffsWithEventsAfterAsync))
            {
                if (Failed < _failFirst)
                {
                    Failed++;
                    throw new InvalidOperationException("database is locked");
                }

                Succeeded++;
            }

            return targetMethod.Invoke(_inner, args);
        }
    }
}
