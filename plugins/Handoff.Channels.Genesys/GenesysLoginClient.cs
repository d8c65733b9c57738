using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Handoff.Channels.Genesys;

/// <summary>
/// Typed client for the login host: the OAuth client-credentials grant (section 2). Base address = the login base URL.
/// Never logs or puts the secret or the token in an exception message.
/// </summary>
internal sealed class GenesysLoginClient(HttpClient http, IOptionsMonitor<GenesysOptions> options, TimeProvider timeProvider)
{
    /// <summary>The HttpClient name (for <see cref="IHttpClientFactory"/>).</summary>
    public const string HttpClientName = "Handoff.Channels.Genesys.Login";

    public async Task<GenesysAccessToken> RequestTokenAsync(CancellationToken cancellationToken)
    {
        var current = options.CurrentValue;
        using var request = new HttpRequestMessage(HttpMethod.Post, GenesysApi.TokenPath)
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
        };
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{current.ClientId}:{current.ClientSecret}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new GenesysTokenUnavailableException(
                $"Could not reach the Genesys login endpoint {http.BaseAddress}{GenesysApi.TokenPath}: {ex.Message}", null, ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new GenesysTokenUnavailableException($"The Genesys login endpoint {http.BaseAddress}{GenesysApi.TokenPath} timed out.", null, ex);
        }

        using (response)
        {
            var body = await ReadAsync(response, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;

            if (response.IsSuccessStatusCode)
            {
                if (string.IsNullOrEmpty(body?.AccessToken))
                {
                    throw new GenesysTokenUnavailableException(
                        $"The Genesys login endpoint answered {status} without an access_token.", null);
                }

                var lifetime = TimeSpan.FromSeconds(Math.Max(body.ExpiresIn ?? 0, 0));
                if (lifetime <= TimeSpan.Zero)
                {
                    // No (or a nonsensical) expires_in: assume the shortest lifetime Genesys allows, 5 minutes.
                    lifetime = TimeSpan.FromMinutes(5);
                }

                var refreshAt = timeProvider.GetUtcNow() + lifetime - GenesysApi.TokenRefreshMargin(lifetime);
                return new GenesysAccessToken(body.AccessToken, refreshAt);
            }

            if (response.StatusCode is HttpStatusCode.TooManyRequests || status >= 500)
            {
                throw new GenesysTokenUnavailableException(
                    $"The Genesys login endpoint answered {status}; the token will be requested again.",
                    GenesysClient.ReadRetryAfter(response, timeProvider));
            }

            // 400 invalid_client / 401 / 403: the credentials themselves are wrong (or disabled).
            var detail = body?.Error is { Length: > 0 } error
                ? $" ({error}{(body.ErrorDescription ?? body.Description) switch { { Length: > 0 } d => ": " + d, _ => string.Empty }})"
                : string.Empty;
            throw new GenesysAuthenticationException(
                $"Genesys rejected the OAuth client credentials (Channels:Genesys:ClientId/ClientSecret): the login endpoint " +
                $"{http.BaseAddress}{GenesysApi.TokenPath} answered {status}{detail}. Check that the OAuth client exists in Admin > Integrations > OAuth " +
                "with grant type Client Credentials, that the secret is current, and that Channels:Genesys:Region is the org's region.");
        }
    }

    private static async Task<OAuthTokenResponse?> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<OAuthTokenResponse>(GenesysApi.Json, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (NotSupportedException)
        {
            // Not JSON (e.g. an HTML error page from a proxy).
            return null;
        }
    }
}

/// <summary>The OAuth client credentials were rejected: permanent until an operator fixes the configuration.</summary>
internal sealed class GenesysAuthenticationException(string message) : Exception(message);

/// <summary>No token could be obtained right now (network, 429, 5xx): transient.</summary>
internal sealed class GenesysTokenUnavailableException(string message, TimeSpan? retryAfter, Exception? inner = null)
    : Exception(message, inner)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
