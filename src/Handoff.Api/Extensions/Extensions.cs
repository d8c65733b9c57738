using Handoff.Api.Infrastructure;
using Handoff.Channels;
using Handoff.Core;
using Handoff.Core.Dispatch;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Handoff.Api.Extensions;

public static class Extensions
{
    public const string ConnectionStringName = "handoff";

    /// <summary>Largest request body accepted (a start with a long transcript fits easily).</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;

        services.AddOptions<HandoffOptions>()
            .BindConfiguration(HandoffOptions.SectionName)
            .ValidateOnStart()
            .KeepLastValidOnReload();
        services.AddSingleton<IValidateOptions<HandoffOptions>, HandoffOptionsValidator>();

        // Read when first used, not now: configuration added by hosts and tests is only final after Build().
        services.AddHandoffCore(sp =>
        {
            var connectionString = sp.GetRequiredService<IConfiguration>().GetConnectionString(ConnectionStringName);
            return string.IsNullOrWhiteSpace(connectionString)
                ? throw new InvalidOperationException($"ConnectionStrings:{ConnectionStringName} is not set (e.g. \"Data Source=handoff.db\").")
                : connectionString;
        });

        // Callbacks have their own retry schedule (durable, with backoff): no second retry layer on that client.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked experimental
        services.AddHttpClient(CallbackDispatcher.HttpClientName).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        services.AddPerClientRateLimiting();

        // Bodies larger than this are refused with 413 before they are read whole (webhooks set their own limit).
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = MaxRequestBodyBytes);

        services.AddProblemDetails();
        services.AddExceptionHandler<HandoffExceptionHandler>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.AllowTrailingCommas = false;
            o.SerializerOptions.PropertyNameCaseInsensitive = true;
        });

        services.AddOpenApi();
        return builder;
    }
}
