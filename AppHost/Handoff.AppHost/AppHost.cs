// The resource graph: a local Genesys emulator and the Handoff API, wired to each other.
// Nothing here needs Docker or a Genesys org. Values come from appsettings.json "Parameters" (local emulator
// defaults, not real secrets); point at a real org by overriding them, e.g. with user secrets.
var builder = DistributedApplication.CreateBuilder(args);

var clientId = builder.AddParameter("genesys-client-id");
var clientSecret = builder.AddParameter("genesys-client-secret", secret: true);
var webhookSecret = builder.AddParameter("genesys-webhook-secret", secret: true);
var apiKey = builder.AddParameter("handoff-api-key", secret: true);

var queues = builder.Configuration.GetSection("Queues").GetChildren()
    .Select(q => (Name: q.Key, IntegrationId: q["IntegrationId"]!, IntegrationName: q["IntegrationName"]!))
    .ToArray();

var emulator = builder.AddProject<Projects.Handoff_GenesysEmulator>("genesys-emulator")
    .WithEnvironment("Emulator__ClientId", clientId)
    .WithEnvironment("Emulator__ClientSecret", clientSecret)
    .WithHttpHealthCheck("/health")
    .WithExternalHttpEndpoints();

var api = builder.AddProject<Projects.Handoff_Api>("handoff-api")
    .WithEnvironment("Handoff__ApiKeys__local", apiKey)
    .WithEnvironment("Channels__Genesys__ApiBaseUrl", emulator.GetEndpoint("http"))
    .WithEnvironment("Channels__Genesys__LoginBaseUrl", emulator.GetEndpoint("http"))
    .WithEnvironment("Channels__Genesys__ClientId", clientId)
    .WithEnvironment("Channels__Genesys__ClientSecret", clientSecret)
    .WithEnvironment("Channels__Genesys__WebhookSecret", webhookSecret)
    .WithHttpHealthCheck("/health")
    .WithExternalHttpEndpoints()
    .WaitFor(emulator);

var webhookUrl = ReferenceExpression.Create($"{api.GetEndpoint("http")}/channels/genesys/webhook");
foreach (var (name, integrationId, integrationName) in queues)
{
    api.WithEnvironment($"Channels__Genesys__Queues__{name}__IntegrationId", integrationId)
       .WithEnvironment($"Channels__Genesys__Queues__{name}__IntegrationName", integrationName);
    emulator.WithEnvironment($"Emulator__Integrations__{integrationId}__Name", integrationName)
            .WithEnvironment($"Emulator__Integrations__{integrationId}__WebhookUrl", webhookUrl)
            .WithEnvironment($"Emulator__Integrations__{integrationId}__WebhookSecret", webhookSecret);
}

builder.Build().Run();
