namespace Handoff.Testing;

/// <summary>
/// Configuration for a Handoff API under test wired to a <see cref="GenesysEmulatorFixture"/>: a database file, one API
/// client, the Genesys channel pointed at the emulator with both test queues. Callers add or override keys.
/// </summary>
public static class HandoffApiSettings
{
    public static Dictionary<string, string?> For(Uri emulator, string databasePath, string client, string apiKey)
    {
        var address = emulator.ToString();
        return new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["ConnectionStrings:handoff"] = $"Data Source={databasePath}",
            [$"Handoff:ApiKeys:{client}"] = apiKey,
            ["Handoff:Outbox:BaseDelay"] = "00:00:00.200",
            ["Handoff:Outbox:PollInterval"] = "00:00:00.500",
            ["Handoff:RateLimit:Burst"] = "1000000",
            ["Handoff:RateLimit:RequestsPerSecond"] = "1000000",
            ["Channels:Genesys:ApiBaseUrl"] = address,
            ["Channels:Genesys:LoginBaseUrl"] = address,
            ["Channels:Genesys:ClientId"] = GenesysEmulatorFixture.ClientId,
            ["Channels:Genesys:ClientSecret"] = GenesysEmulatorFixture.ClientSecret,
            ["Channels:Genesys:WebhookSecret"] = GenesysEmulatorFixture.WebhookSecret,
            ["Channels:Genesys:Queues:Support:IntegrationId"] = GenesysEmulatorFixture.SupportIntegrationId,
            ["Channels:Genesys:Queues:Support:IntegrationName"] = GenesysEmulatorFixture.SupportIntegrationName,
            ["Channels:Genesys:Queues:Sales:IntegrationId"] = GenesysEmulatorFixture.SalesIntegrationId,
            ["Channels:Genesys:Queues:Sales:IntegrationName"] = GenesysEmulatorFixture.SalesIntegrationName,
            ["Logging:LogLevel:Default"] = "Warning",
        };
    }
}
