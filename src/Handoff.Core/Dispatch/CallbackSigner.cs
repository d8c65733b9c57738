using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Handoff.Core.Dispatch;

/// <summary>
/// Signs callbacks: <c>X-Handoff-Signature: sha256=&lt;base64 HMAC-SHA256 over "&lt;timestamp&gt;.&lt;raw body&gt;"&gt;</c> keyed with the
/// client's callback secret, where the timestamp (unix seconds) is also sent as <c>X-Handoff-Timestamp</c>. Receivers
/// recompute it over the raw bytes, compare in constant time and reject old timestamps to stop replays.
/// </summary>
public static class CallbackSigner
{
    public const string EventIdHeader = "X-Handoff-Event-Id";
    public const string TimestampHeader = "X-Handoff-Timestamp";
    public const string SignatureHeader = "X-Handoff-Signature";

    public static string Sign(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var data = new byte[prefix.Length + body.Length];
        prefix.CopyTo(data, 0);
        body.CopyTo(data.AsSpan(prefix.Length));
        return "sha256=" + Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), data));
    }

    public static bool Verify(string secret, string? timestamp, string? signature, ReadOnlySpan<byte> body)
    {
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var ts) || signature is null)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(secret, ts, body));
        var actual = Encoding.ASCII.GetBytes(signature);
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }
}
