using Microsoft.Extensions.Http;

namespace Handoff.Channels.Genesys;

/// <summary>
/// Hands singletons (background services, the name cache) a fresh <see cref="GenesysClient"/> per use, from the
/// HttpClient factory, so no long-lived object pins one handler (the typed client itself is transient).
/// </summary>
internal sealed class GenesysClientFactory(IHttpClientFactory httpClients, ITypedHttpClientFactory<GenesysClient> typedClients)
{
    public GenesysClient Create() => typedClients.CreateClient(httpClients.CreateClient(nameof(GenesysClient)));
}
