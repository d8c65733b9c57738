using Handoff.Channels;
using Handoff.Channels.Genesys;

[assembly: ChannelPlugin(GenesysChannel.Name)]
