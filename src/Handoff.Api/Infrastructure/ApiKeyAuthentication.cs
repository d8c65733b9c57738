using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Handoff.Api.Infrastructure;

/// <summary>
/// <c>X-Api-Key</c> authentication against <c>Handoff:ApiKeys:&lt;client&gt;</c>. Keys are compared as SHA-256 digests in
/// constant time against every configured key, so timing reveals neither a key nor which client matched.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<HandoffOptions> handoffOptions,
    IProblemDetailsService problemDetails)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    public const string ClientClaim = "handoff:client";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values) || values.Count != 1 || string.IsNullOrEmpty(values[0]))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(values[0]!));
        string? client = null;
        foreach (var (name, expected) in ConfiguredKeys.For(handoffOptions.CurrentValue.ApiKeys))
        {
            if (CryptographicOperations.FixedTimeEquals(presented, expected))
            {
                client ??= name;
            }
        }

        if (client is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("Invalid API key."));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, client), new Claim(ClientClaim, client)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = SchemeName;
        var missing = !Request.Headers.ContainsKey(HeaderName);
        await problemDetails.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "Unauthorized",
                Detail = missing
                    ? $"Send your API key in the {HeaderName} header."
                    : $"The {HeaderName} header does not match a configured API key.",
                Type = "https://tools.ietf.org/html/rfc9110#section-15.5.2",
            },
        });
    }
}

/// <summary>
/// The SHA-256 digest of every configured API key, computed once per configuration (a reload brings a new dictionary, and
/// with it new digests) instead of once per key on every request.
/// </summary>
internal static class ConfiguredKeys
{
    private static Tuple<IDictionary<string, string>, (string Client, byte[] Digest)[]>? _last;

    public static (string Client, byte[] Digest)[] For(IDictionary<string, string> apiKeys)
    {
        var last = _last;
        if (last is not null && ReferenceEquals(last.Item1, apiKeys))
        {
            return last.Item2;
        }

        var digests = apiKeys
            .Where(pair => !string.IsNullOrEmpty(pair.Value))
            .Select(pair => (pair.Key, SHA256.HashData(Encoding.UTF8.GetBytes(pair.Value))))
            .ToArray();
        _last = Tuple.Create(apiKeys, digests);
        return digests;
    }
}

internal static class ClaimsPrincipalExtensions
{
    public static string Client(this ClaimsPrincipal user) =>
        user.FindFirstValue(ApiKeyAuthenticationHandler.ClientClaim) ?? throw new InvalidOperationException("Not authenticated with an API key.");
}
