using System.Runtime.CompilerServices;
using System.Security.Claims;
using Handoff.Api.Apis;
using Handoff.Api.Infrastructure;
using Handoff.Core.Channels;
using Handoff.Core.Storage;
using Microsoft.Extensions.Options;

namespace Handoff.Api.Playground;

/// <summary>
/// The playground: a user-side chat page at <c>/playground</c> for trying a handoff end to end in Development.
/// </summary>
/// <remarks>
/// <para>
/// The browser never holds an API key. The page calls same-origin helper endpoints under <c>/playground/api</c>, which run
/// the very v1 handlers (<see cref="HandoffApi"/>, <see cref="HandoffEventsApi"/>, <see cref="ChannelsApi"/>) in-process
/// as the API client of the first configured <c>Handoff:ApiKeys:&lt;client&gt;</c> (by name; <c>playground</c> when
/// none is configured). That is what lets the page follow events with <c>EventSource</c>, which cannot send
/// <c>X-Api-Key</c>. The <c>/v1</c> API and its authentication are untouched.
/// </para>
/// <para>
/// Nothing is mapped outside Development. Unsafe methods must carry the <c>X-Playground</c> header, which a cross-site
/// form or script cannot send without a CORS preflight the API never grants, so another site open in the developer's
/// browser cannot start or end handoffs through the playground.
/// </para>
/// </remarks>
public static class PlaygroundEndpoints
{
    /// <summary>Header every unsafe playground call must carry (any non-empty value).</summary>
    public const string RequestHeader = "X-Playground";

    /// <summary>The client name used when no API key is configured (allowed in Development).</summary>
    public const string FallbackClient = "playground";

    private const string ResourcePrefix = "Handoff.Api.Playground.";

    private static readonly Dictionary<string, string> Assets = new(StringComparer.Ordinal)
    {
        ["playground.css"] = "text/css; charset=utf-8",
        ["playground.js"] = "text/javascript; charset=utf-8",
    };

    private static readonly ConditionalWeakTable<IEndpointRouteBuilder, object> Mapped = [];

    /// <summary>
    /// Maps <c>GET /playground</c>, its assets and its helper endpoints; maps nothing outside Development. Mapping twice
    /// on the same app is harmless.
    /// </summary>
    public static IEndpointRouteBuilder MapPlayground(this IEndpointRouteBuilder app)
    {
        if (!app.ServiceProvider.GetRequiredService<IHostEnvironment>().IsDevelopment() || !Mapped.TryAdd(app, Mapped))
        {
            return app;
        }

        var playground = app.MapGroup("/playground").ExcludeFromDescription().AllowAnonymous();
        playground.MapGet("/", GetPage);
        playground.MapGet("/{asset}", GetAsset);

        var api = playground.MapGroup("/api").AddEndpointFilter(RequirePlaygroundHeader);
        api.MapGet("/session", (IOptionsMonitor<HandoffOptions> options) =>
            TypedResults.Ok(new PlaygroundSession(PlaygroundClient(options.CurrentValue))));
        api.MapGet("/channels", (ChannelRegistry channels) => ChannelsApi.ListChannels(channels));
        api.MapPost("/handoffs", (StartHandoffRequest? request, [AsParameters] HandoffServices services, CancellationToken cancellationToken) =>
            HandoffApi.StartHandoff(request, idempotencyKey: null, Principal(services), services, cancellationToken));
        api.MapGet("/handoffs/{id}", (string id, [AsParameters] HandoffServices services, CancellationToken cancellationToken) =>
            HandoffApi.GetHandoff(id, Principal(services), services, cancellationToken));
        api.MapPost("/handoffs/{id}/messages", (string id, SendMessageRequest? request, [AsParameters] HandoffServices services, CancellationToken cancellationToken) =>
            HandoffApi.SendMessage(id, request, Principal(services), services, cancellationToken));
        api.MapPost("/handoffs/{id}/typing", (string id, [AsParameters] HandoffServices services, CancellationToken cancellationToken) =>
            HandoffApi.SendTyping(id, Principal(services), services, cancellationToken));
        api.MapPost("/handoffs/{id}/end", (string id, EndHandoffRequest? request, [AsParameters] HandoffServices services, CancellationToken cancellationToken) =>
            HandoffApi.EndHandoff(id, request, Principal(services), services, cancellationToken));
        api.MapGet("/handoffs/{id}/events", (
                string id,
                long? after,
                HttpContext httpContext,
                [AsParameters] HandoffServices services,
                HandoffSignals signals,
                IHostApplicationLifetime lifetime,
                TimeProvider time,
                CancellationToken cancellationToken) =>
            HandoffEventsApi.GetEvents(id, after, httpContext, Principal(services), services, signals, lifetime, time, cancellationToken));

        return app;
    }

    /// <summary>The API client the playground acts as: the first configured key's client, by name.</summary>
    internal static string PlaygroundClient(HandoffOptions options) =>
        options.ApiKeys
            .Where(k => !string.IsNullOrWhiteSpace(k.Value))
            .Select(k => k.Key)
            .Order(StringComparer.OrdinalIgnoreCase)
            .FirstOrDefault() ?? FallbackClient;

    private static ClaimsPrincipal Principal(HandoffServices services)
    {
        var client = PlaygroundClient(services.Options.CurrentValue);
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, client), new Claim(ApiKeyAuthenticationHandler.ClientClaim, client)],
            authenticationType: "Playground");
        return new ClaimsPrincipal(identity);
    }

    private static async ValueTask<object?> RequirePlaygroundHeader(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && string.IsNullOrEmpty(request.Headers[RequestHeader]))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "Forbidden",
                detail: $"Playground calls must carry the {RequestHeader} header.");
        }

        return await next(context);
    }

    private static IResult GetPage(HttpContext httpContext)
    {
        var html = ReadResource("index.html")
            .Replace("{{base}}", httpContext.Request.PathBase + "/playground", StringComparison.Ordinal);
        httpContext.Response.Headers.CacheControl = "no-cache";
        return TypedResults.Content(html, "text/html; charset=utf-8");
    }

    private static IResult GetAsset(string asset, HttpContext httpContext)
    {
        if (!Assets.TryGetValue(asset, out var contentType))
        {
            return TypedResults.NotFound();
        }

        httpContext.Response.Headers.CacheControl = "no-cache";
        return TypedResults.Content(ReadResource(asset), contentType);
    }

    private static string ReadResource(string name)
    {
        using var stream = typeof(PlaygroundEndpoints).Assembly.GetManifestResourceStream(ResourcePrefix + name)
            ?? throw new InvalidOperationException($"Embedded resource {ResourcePrefix}{name} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private sealed record PlaygroundSession(string Client);
}
