using System.Security.Cryptography;
using System.Text;

namespace Handoff.Channels.Genesys;

internal enum SignatureCheck
{
    Valid,
    Missing,
    Invalid,
}

/// <summary>
/// Verifies <c>X-Hub-Signature-256</c> exactly as Genesys signs (section 5): <c>"sha256=" + base64(HMAC-SHA256(key = UTF-8 secret,
/// data = raw body bytes))</c>, standard padded base64 (not hex), compared in constant time.
/// </summary>
internal static class GenesysWebhookSignature
{
    public static SignatureCheck Verify(ReadOnlySpan<byte> rawBody, string? header, string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        if (string.IsNullOrWhiteSpace(header))
        {
            return SignatureCheck.Missing;
        }

        var expected = Encoding.ASCII.GetBytes(Compute(rawBody, secret));
        var actual = Encoding.ASCII.GetBytes(header.Trim());
        return CryptographicOperations.FixedTimeEquals(expected, actual) ? SignatureCheck.Valid : SignatureCheck.Invalid;
    }

    /// <summary>
    /// As <see cref="Verify(ReadOnlySpan{byte}, string?, string)"/>, accepting either secret (a rotation in progress). Both are
    /// always computed, so timing does not tell which one matched.
    /// </summary>
    public static SignatureCheck Verify(ReadOnlySpan<byte> rawBody, string? header, string secret, string? previousSecret)
    {
        var current = Verify(rawBody, header, secret);
        if (string.IsNullOrEmpty(previousSecret) || current == SignatureCheck.Missing)
        {
            return current;
        }

        var previous = Verify(rawBody, header, previousSecret);
        return current == SignatureCheck.Valid || previous == SignatureCheck.Valid ? SignatureCheck.Valid : SignatureCheck.Invalid;
    }

    /// <summary>The header value Genesys would send for <paramref name="rawBody"/>.</summary>
    public static string Compute(ReadOnlySpan<byte> rawBody, string secret)
    {
        Span<byte> digest = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), rawBody, digest);
        return GenesysApi.SignaturePrefix + Convert.ToBase64String(digest);
    }
}
