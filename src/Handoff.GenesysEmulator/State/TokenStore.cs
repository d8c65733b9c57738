using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Handoff.GenesysEmulator.State;

/// <summary>Access tokens issued by <c>POST /oauth/token</c>: random, expiring, revocable all at once.</summary>
internal sealed class TokenStore(IOptions<EmulatorOptions> options, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, DateTimeOffset> _expiries = new(StringComparer.Ordinal);

    public TimeSpan Lifetime => TimeSpan.FromSeconds(options.Value.TokenLifetimeSeconds);

    public string Issue()
    {
        // Genesys tokens are opaque base64url-looking strings; 64 random bytes gives a similar length.
        var token = Base64UrlEncode(RandomNumberGenerator.GetBytes(64));
        var expires = time.GetUtcNow() + Lifetime;
        lock (_gate)
        {
            _expiries[token] = expires;
        }

        return token;
    }

    public bool IsValid(string token)
    {
        lock (_gate)
        {
            return _expiries.TryGetValue(token, out var expires) && time.GetUtcNow() < expires;
        }
    }

    /// <summary>Revokes every token issued so far; returns how many were still valid.</summary>
    public int RevokeAll()
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            var live = _expiries.Values.Count(expires => now < expires);
            _expiries.Clear();
            return live;
        }
    }

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
