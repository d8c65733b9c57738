namespace Handoff.GenesysEmulator.Webhooks;

/// <summary>
/// Genesys' webhook retry rule ("Validate webhook notifications", fact sheet §4): retry on a timeout, 429 or 5xx;
/// any other 4xx is final. A connection failure is treated like a timeout (the receiver never answered).
/// </summary>
internal static class GenesysRetryPolicy
{
    public static bool ShouldRetry(WebhookAttemptResult result) => result.StatusCode switch
    {
        null => true,
        429 => true,
        >= 500 => true,
        _ => false,
    };
}
