namespace Handoff.Channels.Genesys;

public static class GenesysChannel
{
    /// <summary>The channel name: <c>"channel": "genesys"</c>, section <c>Channels:Genesys</c>, routes under <c>/channels/genesys</c>.</summary>
    public const string Name = "genesys";

    /// <summary>ActivitySource and Meter name.</summary>
    public const string TelemetryName = "Handoff.Channels.Genesys";
}
