using System.Diagnostics;

namespace Handoff.GenesysEmulator;

/// <summary>The emulator's ActivitySource; ServiceDefaults subscribes to every <c>Handoff.*</c> source.</summary>
internal static class EmulatorTelemetry
{
    public const string SourceName = "Handoff.GenesysEmulator";

    public const string IntegrationIdTag = "genesys.integration.id";
    public const string ConversationIdTag = "genesys.conversation.id";
    public const string MessageIdTag = "genesys.message.id";
    public const string WebhookTypeTag = "genesys.webhook.type";
    public const string AttemptsTag = "genesys.webhook.attempts";

    public static readonly ActivitySource Source = new(SourceName);
}
