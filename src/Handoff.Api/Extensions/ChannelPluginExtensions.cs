using System.Reflection;
using Handoff.Channels;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Handoff.Api.Extensions;

/// <summary>A channel plugin found at start-up.</summary>
public sealed record ChannelPlugin(string Name, Assembly Assembly);

/// <summary>The channel plugins found at start-up.</summary>
public sealed class ChannelPluginCatalog(IReadOnlyList<ChannelPlugin> plugins)
{
    public IReadOnlyList<ChannelPlugin> Plugins { get; } = plugins;
}

/// <summary>
/// Finds channel plugins by assembly scanning (Scrutor): any application dependency marked
/// <c>[assembly: ChannelPlugin("name")]</c>. Adding a plugin project needs no edit here.
/// </summary>
public static class ChannelPluginExtensions
{
    public const string ConfigurationSection = "Channels";

    public static IHostApplicationBuilder AddChannelPlugins(this IHostApplicationBuilder builder)
    {
        static bool IsPlugin(Assembly assembly) => assembly.IsDefined(typeof(ChannelPluginAttribute), inherit: false);

        // Modules run once, now, to register their services: scan them into a scratch collection and activate them.
        var scratch = new ServiceCollection();
        scratch.Scan(scan => scan
            .FromApplicationDependencies(IsPlugin)
            .AddClasses(classes => classes.AssignableTo<IChannelModule>())
            .As<IChannelModule>()
            .WithTransientLifetime());

        var plugins = new List<ChannelPlugin>();
        foreach (var descriptor in scratch)
        {
            var type = descriptor.ImplementationType!;
            var name = type.Assembly.GetCustomAttribute<ChannelPluginAttribute>()!.Name;
            if (plugins.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) is { } clash)
            {
                throw new InvalidOperationException(
                    $"Two channel plugins are named '{name}': {clash.Assembly.GetName().Name} and {type.Assembly.GetName().Name}.");
            }

            plugins.Add(new ChannelPlugin(name, type.Assembly));
            var module = (IChannelModule)Activator.CreateInstance(type)!;
            module.AddServices(builder.Services, builder.Configuration.GetSection($"{ConfigurationSection}:{name}"));
        }

        // Adapters and endpoints are transient: adapters hold typed HttpClients.
        builder.Services.Scan(scan => scan
            .FromApplicationDependencies(IsPlugin)
            .AddClasses(classes => classes.AssignableTo<IChannelAdapter>())
            .As<IChannelAdapter>()
            .WithTransientLifetime()
            .AddClasses(classes => classes.AssignableTo<IChannelEndpoints>())
            .As<IChannelEndpoints>()
            .WithTransientLifetime());

        builder.Services.TryAddSingleton(new ChannelPluginCatalog(plugins));
        return builder;
    }

    /// <summary>Maps each plugin's inbound endpoints (webhooks) under <c>/channels/{name}</c>. They authenticate themselves (e.g. signatures), not with API keys.</summary>
    public static IEndpointRouteBuilder MapChannelEndpoints(this IEndpointRouteBuilder app)
    {
        using var scope = app.ServiceProvider.CreateScope();
        var root = app.MapGroup("/channels").WithTags("Channel webhooks");
        foreach (var endpoints in scope.ServiceProvider.GetServices<IChannelEndpoints>())
        {
            endpoints.Map(root.MapGroup($"/{endpoints.Channel.ToLowerInvariant()}"));
        }

        return app;
    }
}
