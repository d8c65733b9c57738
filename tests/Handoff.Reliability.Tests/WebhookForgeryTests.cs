using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Handoff.Testing;
using Xunit.Abstractions;

namespace Handoff.Reliability.Tests;

/// <summary>
/// Issue #4, forgery: webhooks that did not come from Genesys (altered body, wrong secret, hex digest, missing header,
/// wrong prefix, a signature lifted from another body) are refused with 401; genuine deliveries replayed, and a genuine
/// delivery for a conversation Handoff does not know, are acknowledged without relaying anything twice or wrongly.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class WebhookForgeryTests(GenesysEmulatorFixture emulator, ITestOutputHelper output, ReportSink sink) : IClassFixture<GenesysEmulatorFixture>
{
    private const string WebhookPath = "channels/genesys/webhook";
    private const string SignatureHeader = "X-Hub-Signature-256";

    private readonly TestReport _report = new(output, sink);

    [Fact]
    public async Task Forged_webhooks_are_refused_and_replays_are_relayed_once()
    {
        await using var api = await InProcessApi.StartAsync(emulator);
        using var bot = Bot.CreateClient();
        using var genesys = new HttpClient { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

        var handoffId = await Bot.StartHandoffAsync(bot, api.BaseAddress, $"forgery-user-{Guid.NewGuid():N}");
        var conversation = await emulator.Control.WaitForConversationAsync(c => c.UserId == handoffId, TimeSpan.FromSeconds(30));

        // One genuine agent message, delivered and relayed.
        var genuine = await emulator.Control.SendAgentMessageAsync(conversation.Id, "genuine: your refund is on its way");
        var delivery = await emulator.Control.WaitForWebhookDeliveryAsync(genuine.Id, timeout: TimeSpan.FromSeconds(30));
        Assert.Equal(WebhookDelivery.Delivered, delivery.Outcome);
        await WaitForAgentTextAsync(bot, api.BaseAddress, handoffId, genuine.Text!);
        var genuineBody = delivery.Body;
        var genuineSignature = delivery.Signature!;

        // Forged bodies carry new message ids, so a signature bypass could not hide behind deduplication.
        string Forged(string tag) => Rewrite(genuineBody, $"forged-{tag}-{Guid.NewGuid():N}", $"FORGED {tag}: send me your card number");
        const string secret = GenesysEmulatorFixture.WebhookSecret;
        string[] bodies = [.. Enumerable.Range(0, 12).Select(i => Forged($"f{i}"))];
        var forgeries = new List<(string Name, string Body, string? Signature)>
        {
            ("altered body, genuine signature", bodies[0], genuineSignature),
            ("altered text only, same id, genuine signature", Rewrite(genuineBody, genuine.Id, "FORGED altered-text: call this number"), genuineSignature),
            ("wrong secret", bodies[1], Sign(bodies[1], "not-the-webhook-secret-0123456789")),
            ("hex digest instead of base64", bodies[2], "sha256=" + Convert.ToHexStringLower(Digest(bodies[2], secret))),
            ("upper-case hex digest", bodies[3], "sha256=" + Convert.ToHexString(Digest(bodies[3], secret))),
            ("missing header", bodies[4], null),
            ("empty header", bodies[5], ""),
            ("wrong prefix sha1=", bodies[6], "sha1=" + Convert.ToBase64String(Digest(bodies[6], secret))),
            ("wrong prefix sha512=", bodies[7], "sha512=" + Convert.ToBase64String(Digest(bodies[7], secret))),
            ("no prefix", bodies[8], Convert.ToBase64String(Digest(bodies[8], secret))),
            ("prefix with a colon", bodies[9], "sha256:" + Convert.ToBase64String(Digest(bodies[9], secret))),
            ("truncated signature", bodies[10], Sign(bodies[10], secret)[..^4]),
            ("signature of an empty body", bodies[11], Sign("", secret)),
            ("the secret itself as signature", bodies[11], "sha256=" + secret),
        };

        int attempts = 0, refused = 0, acknowledged = 0, other = 0;
        foreach (var (name, body, signature) in forgeries)
        {
            attempts++;
            var status = await PostAsync(genesys, body, signature);
            if (status == HttpStatusCode.Unauthorized)
            {
                refused++;
            }
            else
            {
                other++;
                _report.Line($"forgery:   NOT refused: {name} answered {(int)status}");
            }
        }

        // Replays of the genuine delivery: by the emulator (as a Genesys retry) and byte for byte by an attacker.
        await emulator.Control.RedeliverAsync(genuine.Id);
        await emulator.Control.RedeliverAsync(genuine.Id);
        attempts += 2;
        var redelivered = await emulator.Control.WaitForWebhookDeliveryAsync(
            genuine.Id, d => d.Redeliveries >= 2 && d.IsCompleted, TimeSpan.FromSeconds(30));
        if (redelivered.Outcome == WebhookDelivery.Delivered && redelivered.LastStatusCode == 200)
        {
            acknowledged += 2;
        }

        for (var i = 0; i < 3; i++)
        {
            attempts++;
            var (status, result) = await PostWithResultAsync(genesys, genuineBody, genuineSignature);
            if (status == HttpStatusCode.OK && result == "duplicate")
            {
                acknowledged++;
            }
            else
            {
                other++;
                _report.Line($"forgery:   replay answered {(int)status} {result}");
            }
        }

        // A genuine, correctly signed delivery for a conversation Handoff never opened (another client of the integration).
        using var stranger = await GenesysInbound.AuthenticatedClientAsync(emulator);
        var strangerId = $"not-a-handoff-{Guid.NewGuid():N}";
        var strangerConversation = await GenesysInbound.SendAsync(stranger, GenesysEmulatorFixture.SupportIntegrationId, strangerId, "stranger-1", "hello from elsewhere");
        var strangerMessage = await emulator.Control.SendAgentMessageAsync(strangerConversation, "UNKNOWN: reply meant for someone else");
        attempts++;
        var strangerDelivery = await emulator.Control.WaitForWebhookDeliveryAsync(strangerMessage.Id, timeout: TimeSpan.FromSeconds(30));
        if (strangerDelivery.Outcome == WebhookDelivery.Delivered && strangerDelivery.LastStatusCode == 200)
        {
            acknowledged++;
        }
        else
        {
            other++;
            _report.Line($"forgery:   unknown-conversation delivery: {strangerDelivery.Outcome} {strangerDelivery.LastStatusCode}");
        }

        attempts++;
        var (strangerReplay, strangerResult) = await PostWithResultAsync(genesys, strangerDelivery.Body, strangerDelivery.Signature);
        if (strangerReplay == HttpStatusCode.OK && strangerResult == "unknownHandoff")
        {
            acknowledged++;
        }
        else
        {
            other++;
            _report.Line($"forgery:   unknown-conversation replay answered {(int)strangerReplay} {strangerResult}");
        }

        // A genuine message after all that; once it is relayed, everything before it has been handled.
        var marker = await emulator.Control.SendAgentMessageAsync(conversation.Id, "marker: anything else?");
        var events = await WaitForAgentTextAsync(bot, api.BaseAddress, handoffId, marker.Text!);
        var agentTexts = events.Where(e => (string?)e?["type"] == "agent.message").Select(e => (string)e!["data"]!["text"]!).ToList();
        var relayedWrongly = agentTexts.Count(t => t.StartsWith("FORGED", StringComparison.Ordinal) || t.StartsWith("UNKNOWN", StringComparison.Ordinal));
        var relayedTwice = agentTexts.GroupBy(t => t).Sum(g => g.Count() - 1);
        using var unknown = await bot.GetAsync(new Uri(api.BaseAddress, $"v1/handoffs/{strangerId}"));

        _report.Line(
            $"forgery: attempts={attempts} refused={refused} acknowledged={acknowledged} (replays deduplicated, unknown conversation ignored) " +
            $"relayed={relayedWrongly + relayedTwice} (forged or unknown relayed={relayedWrongly}, relayed twice={relayedTwice}) other={other}");
        _report.Line($"forgery: agent messages the bot saw: {string.Join(" | ", agentTexts)}");

        Assert.Equal(forgeries.Count, refused);
        Assert.Equal(0, other);
        Assert.Equal(attempts - forgeries.Count, acknowledged);
        Assert.Equal(0, relayedWrongly);
        Assert.Equal(0, relayedTwice);
        Assert.Equal([genuine.Text!, marker.Text!], agentTexts);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private static async Task<JsonArray> WaitForAgentTextAsync(HttpClient bot, Uri api, string handoffId, string text) =>
        await Polling.UntilAsync(
            () => Bot.GetEventsAsync(bot, api, handoffId),
            events => events.Any(e => (string?)e?["type"] == "agent.message" && (string?)e?["data"]?["text"] == text),
            TimeSpan.FromSeconds(30),
            events => $"no agent.message \"{text}\" among {events.ToJsonString()}");

    /// <summary>The genuine body with another message id and text (JSON re-serialised: a different byte sequence).</summary>
    private static string Rewrite(string body, string id, string text)
    {
        var node = JsonNode.Parse(body)!.AsObject();
        node["id"] = id;
        if (node["channel"] is JsonObject channel)
        {
            channel["messageId"] = id;
        }

        node["text"] = text;
        return node.ToJsonString();
    }

    private static byte[] Digest(string body, string secret) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body));

    private static string Sign(string body, string secret) => "sha256=" + Convert.ToBase64String(Digest(body, secret));

    private static async Task<HttpStatusCode> PostAsync(HttpClient client, string body, string? signature) =>
        (await PostWithResultAsync(client, body, signature)).Status;

    private static async Task<(HttpStatusCode Status, string? Result)> PostWithResultAsync(HttpClient client, string body, string? signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, WebhookPath)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation(SignatureHeader, signature);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        string? result = null;
        if (response.IsSuccessStatusCode)
        {
            try
            {
                result = (string?)JsonNode.Parse(text)?["result"];
            }
            catch (System.Text.Json.JsonException)
            {
            }
        }

        return (response.StatusCode, result);
    }
}
