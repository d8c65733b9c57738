namespace Handoff.Channels;

/// <summary>
/// Marks an assembly as a Handoff channel plugin. This attribute is the only thing that makes an assembly a plugin:
/// core scans the application's dependencies for it and registers the plugin's <see cref="IChannelModule"/>,
/// <see cref="IChannelAdapter"/> and <see cref="IChannelEndpoints"/> types.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class ChannelPluginAttribute(string name) : Attribute
{
    /// <summary>The channel name used in the API (<c>"channel": "genesys"</c>), in configuration (<c>Channels:Genesys</c>) and in routes (<c>/channels/genesys</c>).</summary>
    public string Name => name;
}
