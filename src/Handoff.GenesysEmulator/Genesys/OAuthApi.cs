using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Handoff.GenesysEmulator.State;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Handoff.GenesysEmulator.Genesys;

/// <summary>
/// <c>POST /oauth/token</c>, the client-credentials grant of the Genesys login host (fact sheet §2). On a real org this
/// lives on <c>login.&lt;domain&gt;</c>; the emulator serves it next to the API.
/// </summary>
internal static partial class OAuthApi
{
    public const string TokenPath = "/oauth/token";

    public static IEndpointRouteBuilder MapGenesysOAuth(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(TokenPath, IssueTokenAsync).WithTags("Genesys OAuth").WithName("IssueToken");
        return routes;
    }

    internal static async Task<Results<Ok<TokenResponse>, JsonHttpResult<OAuthError>>> IssueTokenAsync(
        HttpRequest request,
        TokenStore tokens,
        EmulatorStats stats,
        IOptions<EmulatorOptions> options,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        stats.TokenRequested();
        var logger = loggers.CreateLogger(typeof(OAuthApi));

        if (!TryReadBasicCredentials(request, out var clientId, out var clientSecret)
            || !Matches(clientId, options.Value.ClientId)
            || !Matches(clientSecret, options.Value.ClientSecret))
        {
            LogRejectedClient(logger);
            request.HttpContext.Response.Headers[HeaderNames.WWWAuthenticate] = "Basic";
            return OAuthError.Create(StatusCodes.Status401Unauthorized, "invalid_client", "client authentication failed");
        }

        if (!request.HasFormContentType)
        {
            return OAuthError.Create(
                StatusCodes.Status400BadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded");
        }

        var form = await request.ReadFormAsync(cancellationToken);
        var grantType = form["grant_type"].ToString();
        if (string.IsNullOrEmpty(grantType))
        {
            return OAuthError.Create(StatusCodes.Status400BadRequest, "invalid_request", "grant_type is required");
        }

        if (grantType != "client_credentials")
        {
            return OAuthError.Create(
                StatusCodes.Status400BadRequest, "unsupported_grant_type", "only client_credentials is supported");
        }

        var token = tokens.Issue();
        LogTokenIssued(logger, (int)tokens.Lifetime.TotalSeconds);
        return TypedResults.Ok(new TokenResponse(token, "bearer", (long)tokens.Lifetime.TotalSeconds));
    }

    private static bool TryReadBasicCredentials(HttpRequest request, out string clientId, out string clientSecret)
    {
        clientId = clientSecret = string.Empty;
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Basic ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var encoded = header[scheme.Length..].Trim();
        var buffer = new byte[encoded.Length];
        if (!Convert.TryFromBase64String(encoded, buffer, out var written))
        {
            return false;
        }

        var decoded = Encoding.UTF8.GetString(buffer, 0, written);
        var separator = decoded.IndexOf(':', StringComparison.Ordinal);
        if (separator <= 0)
        {
            return false;
        }

        clientId = decoded[..separator];
        clientSecret = decoded[(separator + 1)..];
        return true;
    }

    private static bool Matches(string supplied, string expected) => CryptographicOperations.FixedTimeEquals(
        Encoding.UTF8.GetBytes(supplied), Encoding.UTF8.GetBytes(expected));

    [LoggerMessage(Level = LogLevel.Information, Message = "Issued an access token valid for {LifetimeSeconds} s")]
    private static partial void LogTokenIssued(ILogger logger, int lifetimeSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected a token request: bad or missing client credentials")]
    private static partial void LogRejectedClient(ILogger logger);
}

/// <summary>The token response; OAuth names are snake_case.</summary>
internal sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string AccessToken,
    [property: JsonPropertyName("token_type")] string TokenType,
    [property: JsonPropertyName("expires_in")] long ExpiresIn);

/// <summary>An OAuth-style error as the Genesys login host answers it.</summary>
internal sealed record OAuthError(
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("error_description")] string ErrorDescription)
{
    public static JsonHttpResult<OAuthError> Create(int status, string error, string description) =>
        TypedResults.Json(new OAuthError(error, description, description), statusCode: status);
}
