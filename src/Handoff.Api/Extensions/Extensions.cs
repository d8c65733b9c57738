using Handoff.Api.Infrastructure;
using Handoff.Core;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Handoff.Api.Extensions;

public static class Extensions
{
    public const string ConnectionStringName = "handoff";

    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;

        services.AddOptions<HandoffOptions>()
            .BindConfiguration(HandoffOptions.SectionName)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<HandoffOptions>, HandoffOptionsValidator>();

        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException($"ConnectionStrings:{ConnectionStringName} is not set (e.g. \"Data Source=handoff.db\").");
        }

        services.AddHandoffCore(connectionString);

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();

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
