using System.Security.Cryptography;
using System.Text;

namespace Handoff.GenesysEmulator.Webhooks;

/// <summary>
/// The outbound webhook signature (fact sheet §5): <c>X-Hub-Signature-256: sha256=&lt;base64(HMAC-SHA256)&gt;</c>,
/// keyed with the UTF-8 secret over the exact body bytes sent. Base64, not hex.
/// </summary>
internal static class WebhookSignature
{
    public const string HeaderName = "X-Hub-Signature-256";

    public static string Compute(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
}
