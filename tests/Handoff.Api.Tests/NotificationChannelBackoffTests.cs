using Handoff.Testing;

namespace Handoff.Api.Tests;

/// <summary>
/// A notification channel that is gone again each time it is replaced (Genesys refuses its subscriptions with 404) is
/// recreated with the reconnect backoff, not in a tight loop against the Platform API; once Genesys accepts it, the
/// conversation is watched again. A stack of its own: the fault would disturb other classes' sockets.
/// </summary>
public sealed class NotificationChannelBackoffTests(WatchingStack stack) : IClassFixture<WatchingStack>
{
    private readonly HttpClient _client = stack.CreateClient();
    private EmulatorControlClient Genesys => stack.Emulator.Control;

    [Fact]
    public async Task A_channel_refused_again_and_again_is_recreated_with_backoff_and_recovers_when_genesys_accepts_it()
    {
        var fault = await Genesys.AddFaultAsync(new EmulatorFault("/api/v2/notifications/channels/") { Method = "PUT", Status = 404 });
        async Task<int> RefusedAsync() => (await Genesys.GetFaultsAsync()).Single(f => f.Id == fault.Id).Injected;
        EmulatorConversation conversation;
        try
        {
            (_, conversation) = await Scenario.StartAsync(stack, _client);
            await Scenario.UntilAsync(async () => await RefusedAsync() >= 1, "the listener never tried to subscribe");
            var first = await RefusedAsync();

            await Task.Delay(TimeSpan.FromSeconds(3));

            // ReconnectDelay 100 ms doubling to ReconnectMaxDelay 500 ms: about 7 tries in 3 s. Without the backoff a
            // channel was created and refused every few milliseconds (hundreds).
            Assert.InRange(await RefusedAsync() - first, 2, 20);
        }
        finally
        {
            await Genesys.RemoveFaultAsync(fault.Id!);
        }

        await Scenario.WaitSubscribedAsync(stack, conversation.Id);
    }
}
