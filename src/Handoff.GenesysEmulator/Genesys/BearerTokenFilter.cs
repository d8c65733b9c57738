using Handoff.GenesysEmulator.State;
using Microsoft.Net.Http.Headers;

namespace Handoff.GenesysEmulator.Genesys;

/// <summary>
/// Guards every /api/v2 endpoint: a Bearer token that was issued, has not expired and was not revoked.
/// Failures answer 401 with the Genesys error body.
/// </summary>
internal sealed class BearerTokenFilter(TokenStore tokens) : IEndpointFilter
{
    private const string Scheme = "Bearer ";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var header = http.Request.Headers.Authorization.ToString();
        if (string.IsNullOrWhiteSpace(header))
        {
            http.Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
            return GenesysErrors.AuthenticationRequired();
        }

        var token = header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? header[Scheme.Length..].Trim() : null;
        if (string.IsNullOrEmpty(token) || !tokens.IsValid(token))
        {
            http.Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer error=\"invalid_token\"";
            return GenesysErrors.BadCredentials();
        }

        return await next(context);
    }
}
