namespace Handoff.Channels.Genesys.Tests;

internal static class TestData
{
    public const string SupportIntegrationId = "5f2b9c1e-7a4d-4e8b-9c3f-1d2e3f4a5b6c";
    public const string SalesIntegrationId = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9";
    public const string WebhookSecret = "unit-webhook-secret-0123456789";

    public static GenesysOptions Options(Action<GenesysOptions>? configure = null)
    {
        var options = new GenesysOptions
        {
            Region = "mypurecloud.ie",
            ClientId = "client",
            ClientSecret = "secret",
            WebhookSecret = WebhookSecret,
            Queues = new(StringComparer.OrdinalIgnoreCase)
            {
                ["Support"] = new() { IntegrationId = SupportIntegrationId, IntegrationName = "Soporte Cola A" },
                ["Sales"] = new() { IntegrationId = SalesIntegrationId },
            },
        };
        configure?.Invoke(options);
        return options;
    }

    public static ChannelHandoff Handoff(
        string? id = null,
        string queue = "Support",
        IReadOnlyList<TranscriptLine>? transcript = null,
        IReadOnlyDictionary<string, string>? attributes = null,
        IReadOnlyDictionary<string, string>? state = null,
        ChannelUser? user = null) =>
        new(
            id ?? "h-" + Guid.NewGuid().ToString("N"),
            queue,
            user ?? new ChannelUser("user-42", "Maria P.", "Maria", "Perez", "maria@example.org"),
            attributes ?? new Dictionary<string, string> { ["botId"] = "123", ["lastIntent"] = "refund" },
            transcript ??
            [
                new("user", "I want a refund", new DateTimeOffset(2025, 3, 1, 14, 5, 0, TimeSpan.Zero)),
                new("bot", "I can help with that. Order number?", new DateTimeOffset(2025, 3, 1, 14, 5, 30, TimeSpan.Zero)),
                new("user", "I'd like to talk to a person, please.", new DateTimeOffset(2025, 3, 1, 14, 6, 0, TimeSpan.Zero)),
            ],
            new DateTimeOffset(2025, 3, 1, 14, 6, 5, TimeSpan.Zero),
            state ?? new Dictionary<string, string>());
}
