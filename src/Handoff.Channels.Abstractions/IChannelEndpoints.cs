using Microsoft.AspNetCore.Routing;

namespace Handoff.Channels;

/// <summary>
/// Optional: inbound HTTP endpoints of a channel (webhooks). Core maps them under <c>/channels/{name}</c>.
/// </summary>
public interface IChannelEndpoints
{
    /// <summary>The channel name, as in <see cref="ChannelPluginAttribute"/>.</summary>
    string Channel { get; }

    void Map(IEndpointRouteBuilder group);
}
