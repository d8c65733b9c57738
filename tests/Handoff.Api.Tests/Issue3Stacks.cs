using System.Text.Json.Nodes;
using Handoff.Testing;

namespace Handoff.Api.Tests;

/// <summary>
/// <see cref="ApiStack"/> tuned for watching conversations: a short settle window, quick reconnects, a trigger secret, and
/// the Support queue's Genesys queue id (availability and waiting estimates).
/// </summary>
public class WatchingStack : ApiStack
{
    public const string TriggerSecret = "test-trigger-secret-0123456789";

    public WatchingStack()
    {
        Overrides["Channels:Genesys:EndSettleWindow"] = "00:00:00.300";
        Overrides["Channels:Genesys:Notifications:ReconnectDelay"] = "00:00:00.100";
        Overrides["Channels:Genesys:Notifications:ReconnectMaxDelay"] = "00:00:00.500";
        Overrides["Channels:Genesys:TriggerSecret"] = TriggerSecret;
        Overrides["Channels:Genesys:Queues:Support:QueueId"] = GenesysEmulatorFixture.SupportQueueId;
        Overrides["Channels:Genesys:WaitingInterval"] = "00:00:00.500";
    }
}

/// <summary>Notifications off: endings arrive only through the trigger endpoint (the periodic check is an hour away).</summary>
public sealed class TriggerOnlyStack : WatchingStack
{
    public TriggerOnlyStack()
    {
        Overrides["Channels:Genesys:Notifications:Enabled"] = "false";
        Overrides["Channels:Genesys:Notifications:PollInterval"] = "01:00:00";
    }
}

/// <summary>Handoffs nobody touches for 2 s end by timeout.</summary>
public sealed class InactivityStack : WatchingStack
{
    public InactivityStack() => Overrides["Handoff:InactivityTimeout"] = "00:00:02";
}

/// <summary>
/// Configuration an operator got wrong: the Support integration's name differs from Genesys', and a "Ghost" queue points at
/// an integration that does not exist. Outbox retries are few and fast.
/// </summary>
public sealed class MisconfiguredStack : ApiStack
{
    public const string GhostIntegrationId = "0f0e0d0c-0b0a-4909-8807-060504030201";
    public const string WrongSupportName = "Support (old name)";

    public MisconfiguredStack()
    {
        Overrides["Channels:Genesys:Queues:Support:IntegrationName"] = WrongSupportName;
        Overrides["Channels:Genesys:Queues:Ghost:IntegrationId"] = GhostIntegrationId;
        Overrides["Channels:Genesys:Queues:Ghost:IntegrationName"] = "Ghost";
        Overrides["Handoff:Outbox:MaxAttempts"] = "3";
    }
}

/// <summary>The OAuth client secret is wrong.</summary>
public sealed class BadSecretStack : ApiStack
{
    public BadSecretStack() => Overrides["Channels:Genesys:ClientSecret"] = "not-the-client-secret-0123456789";
}

/// <summary>Outbox retries are few and fast, so the retry budget runs out within a test.</summary>
public sealed class FewRetriesStack : ApiStack
{
    public FewRetriesStack() => Overrides["Handoff:Outbox:MaxAttempts"] = "3";
}

/// <summary>Starting handoffs and reading what the emulator and the bot see, for the issue #3 tests.</summary>
internal static class Scenario
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    public static async Task<(string HandoffId, EmulatorConversation Conversation)> StartAsync(
        ApiStack stack, HttpClient client, string queue = "Support", string? userId = null, object? body = null)
    {
        var response = await client.PostJsonAsync("/v1/handoffs", body ?? Json.NewHandoff(userId, queue));
        var created = await response.ReadNodeAsync();
        var id = (string)created["id"]!;
        var conversation = await stack.Emulator.Control.WaitForConversationAsync(c => c.UserId == id, Wait);
        return (id, conversation);
    }

    /// <summary>Waits until the handoff's conversation is subscribed on a connected notification socket.</summary>
    public static async Task WaitSubscribedAsync(ApiStack stack, string conversationId)
    {
        var topic = $"v2.detail.events.conversation.{conversationId}.user.end";
        await UntilAsync(async () =>
        {
            var notifications = await stack.Emulator.Control.GetNotificationsAsync();
            return notifications.Channels.Any(c => c.Connected && c.Topics.Contains(topic));
        }, $"conversation {conversationId} was never subscribed on a connected socket");
    }

    public static async Task<EmulatorConversation> ConversationAsync(ApiStack stack, string conversationId, Func<EmulatorConversation, bool> predicate) =>
        await stack.Emulator.Control.WaitForConversationAsync(c => c.Id == conversationId && predicate(c), Wait);

    public static async Task<JsonNode> HandoffAsync(HttpClient client, string id) => await (await client.GetAsync($"/v1/handoffs/{id}")).ReadNodeAsync();

    public static async Task UntilAsync(Func<Task<bool>> condition, string because, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Wait);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(because);
            }

            await Task.Delay(50);
        }
    }
}
