using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Handoff.Channels.Genesys;

/// <summary>
/// Hands out the OAuth access token, cached in <see cref="HybridCache"/> (process memory only) until shortly before it expires.
/// HybridCache fixes an entry's expiration before the factory runs, so the entry is kept long and carries its own
/// <see cref="GenesysAccessToken.RefreshAt"/>: a token near expiry is evicted and fetched again. Concurrent callers share one fetch.
/// </summary>
internal sealed partial class GenesysTokenProvider(
    HybridCache cache,
    IHttpClientFactory httpClientFactory,
    ITypedHttpClientFactory<GenesysLoginClient> loginClientFactory,
    IOptionsMonitor<GenesysOptions> options,
    TimeProvider timeProvider,
    ILogger<GenesysTokenProvider> logger)
{
    // Longest Genesys token lifetime is 48 h; RefreshAt decides before this does.
    private static readonly HybridCacheEntryOptions EntryOptions = new()
    {
        Expiration = TimeSpan.FromHours(48),
        LocalCacheExpiration = TimeSpan.FromHours(48),
        // A bearer token stays in this process: never written to a shared distributed cache.
        Flags = HybridCacheEntryFlags.DisableDistributedCache,
    };

    private static readonly HybridCacheEntryOptions PeekOptions = new()
    {
        Flags = HybridCacheEntryFlags.DisableDistributedCache | HybridCacheEntryFlags.DisableLocalCacheWrite | HybridCacheEntryFlags.DisableUnderlyingData,
    };

    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        // Every API call asks: the token last handed out is answered from a field while the options it was fetched under are
        // still the current ones and it is not due for refresh, without building the cache key or asking HybridCache.
        var current = options.CurrentValue;
        if (_last is { } last && ReferenceEquals(last.Options, current) && last.Token.RefreshAt > timeProvider.GetUtcNow())
        {
            return last.Token.AccessToken;
        }

        var key = CacheKey(current);
        var token = await GetOrFetchAsync(key, cancellationToken).ConfigureAwait(false);
        if (token.RefreshAt <= timeProvider.GetUtcNow())
        {
            await EvictIfCurrentAsync(key, token.AccessToken, cancellationToken).ConfigureAwait(false);
            token = await GetOrFetchAsync(key, cancellationToken).ConfigureAwait(false);
        }

        _last = new LastToken(current, token);
        return token.AccessToken;
    }

    private sealed record LastToken(GenesysOptions Options, GenesysAccessToken Token);

    private volatile LastToken? _last;

    /// <summary>
    /// Forgets <paramref name="rejectedToken"/> after the API answered 401. Only evicts if it is still the cached one, so a burst
    /// of 401s for the same stale token causes one refresh, not one each.
    /// </summary>
    public async ValueTask InvalidateAsync(string rejectedToken, CancellationToken cancellationToken)
    {
        LogInvalidated(logger);
        if (_last is { } last && last.Token.AccessToken == rejectedToken)
        {
            _last = null;
        }

        await EvictIfCurrentAsync(CacheKey(options.CurrentValue), rejectedToken, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the entry only while it still holds <paramref name="staleToken"/> (another caller may have refreshed it).</summary>
    private async ValueTask EvictIfCurrentAsync(string key, string staleToken, CancellationToken cancellationToken)
    {
        var current = await cache.GetOrCreateAsync<GenesysAccessToken?>(
            key, static _ => ValueTask.FromResult<GenesysAccessToken?>(null), PeekOptions, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (current is not null && current.AccessToken == staleToken)
        {
            await cache.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
        }
    }

    private ValueTask<GenesysAccessToken> GetOrFetchAsync(string key, CancellationToken cancellationToken) =>
        cache.GetOrCreateAsync(key, this, static (self, ct) => self.FetchAsync(ct), EntryOptions, cancellationToken: cancellationToken);

    private async ValueTask<GenesysAccessToken> FetchAsync(CancellationToken cancellationToken)
    {
        var login = loginClientFactory.CreateClient(httpClientFactory.CreateClient(GenesysLoginClient.HttpClientName));
        var token = await login.RequestTokenAsync(cancellationToken).ConfigureAwait(false);
        LogFetched(logger, token.RefreshAt);
        return token;
    }

    /// <summary>One entry per login host + client id (a configuration reload to another client never reuses the old token).</summary>
    private static string CacheKey(GenesysOptions current)
    {
        var identity = $"{current.ResolveLoginBaseUri()}|{current.ClientId}";
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(identity)), 0, 12);
        return $"handoff:genesys:token:{hash}";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Fetched a Genesys OAuth access token; it will be refreshed at {RefreshAt:O}")]
    private static partial void LogFetched(ILogger logger, DateTimeOffset refreshAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Genesys answered 401 to a cached access token; fetching a new one")]
    private static partial void LogInvalidated(ILogger logger);
}
