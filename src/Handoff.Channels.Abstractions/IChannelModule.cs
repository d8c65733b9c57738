using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Handoff.Channels;

/// <summary>
/// Registers a plugin's services. One public sealed implementation per plugin, with a parameterless constructor.
/// Core creates it once at start-up and passes the plugin's own configuration section, <c>Channels:&lt;Name&gt;</c>.
/// </summary>
public interface IChannelModule
{
    void AddServices(IServiceCollection services, IConfigurationSection section);
}
