using System.Globalization;
using Handoff.GenesysEmulator.State;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Handoff.GenesysEmulator.Genesys;

/// <summary>
/// <c>/api/v2/conversations/messaging/integrations/open</c>: list, read, create and patch Open Messaging integrations
/// (fact sheet §7). Creation completes at once (<c>createStatus: Completed</c>); Genesys does it asynchronously.
/// Unlike Genesys (HTTPS on 443 only), http webhook URLs are accepted so loopback receivers work.
/// </summary>
internal static class IntegrationsApi
{
    public const string Path = "/conversations/messaging/integrations/open";

    /// <summary>The id the emulator reports for the "Default" supported content profile.</summary>
    private const string DefaultSupportedContentId = "8f2e3b1a-5c4d-4e6f-9a7b-0c1d2e3f4a5b";

    public static RouteGroupBuilder MapIntegrations(this RouteGroupBuilder api)
    {
        var integrations = api.MapGroup(Path).WithTags("Genesys integrations");
        integrations.MapGet("/", List).WithName("ListOpenIntegrations");
        integrations.MapGet("/{integrationId}", Get).WithName("GetOpenIntegration");
        integrations.MapPost("/", Create).WithName("CreateOpenIntegration");
        integrations.MapPatch("/{integrationId}", Update).WithName("PatchOpenIntegration");
        return api;
    }

    internal static Results<Ok<OpenIntegrationListing>, JsonHttpResult<GenesysError>> List(
        string? pageSize, string? pageNumber, IntegrationRegistry registry)
    {
        if (!TryParsePaging(pageSize, 25, 1, 500, out var size))
        {
            return GenesysErrors.InvalidValue("pageSize must be an integer between 1 and 500.");
        }

        if (!TryParsePaging(pageNumber, 1, 1, int.MaxValue, out var number))
        {
            return GenesysErrors.InvalidValue("pageNumber must be a positive integer.");
        }

        var all = registry.GetAll();
        var pageCount = Math.Max(1, (int)Math.Ceiling(all.Count / (double)size));
        var entities = all.Skip((int)Math.Min((long)(number - 1) * size, int.MaxValue)).Take(size).Select(ToModel).ToList();
        string PageUri(int page) => $"/api/v2{Path}?pageSize={size}&pageNumber={page}";
        return TypedResults.Ok(new OpenIntegrationListing(
            entities,
            size,
            number,
            all.Count,
            pageCount,
            PageUri(1),
            PageUri(number),
            PageUri(pageCount),
            number < pageCount ? PageUri(number + 1) : null,
            number > 1 ? PageUri(number - 1) : null));
    }

    internal static Results<Ok<OpenIntegrationModel>, JsonHttpResult<GenesysError>> Get(
        string integrationId, IntegrationRegistry registry) =>
        registry.Find(integrationId) is { } integration
            ? TypedResults.Ok(ToModel(integration))
            : NotFound(integrationId);

    internal static Results<Ok<OpenIntegrationModel>, JsonHttpResult<GenesysError>> Create(
        GenesysBody<OpenIntegrationRequest> body, IntegrationRegistry registry)
    {
        if (body.Value is not { } request)
        {
            return body.Error!;
        }

        if (Validate(request, requireWebhook: true) is { } failure)
        {
            return GenesysErrors.From(failure);
        }

        var integration = registry.Create(
            request.Name!,
            new Uri(request.OutboundNotificationWebhookUrl!),
            request.OutboundNotificationWebhookSignatureSecretToken,
            request.WebhookHeaders);
        return TypedResults.Ok(ToModel(integration));
    }

    internal static Results<Ok<OpenIntegrationModel>, JsonHttpResult<GenesysError>> Update(
        string integrationId, GenesysBody<OpenIntegrationRequest> body, IntegrationRegistry registry)
    {
        if (body.Value is not { } request)
        {
            return body.Error!;
        }

        if (registry.Find(integrationId) is null)
        {
            return NotFound(integrationId);
        }

        if (Validate(request, requireWebhook: false) is { } failure)
        {
            return GenesysErrors.From(failure);
        }

        var webhookUrl = string.IsNullOrEmpty(request.OutboundNotificationWebhookUrl)
            ? null
            : new Uri(request.OutboundNotificationWebhookUrl);
        var updated = registry.Update(
            integrationId,
            request.Name!,
            webhookUrl,
            request.OutboundNotificationWebhookSignatureSecretToken,
            request.WebhookHeaders);
        return updated is null ? NotFound(integrationId) : TypedResults.Ok(ToModel(updated));
    }

    /// <summary>OpenIntegrationRequest / OpenIntegrationUpdateRequest rules: name always, the rest on create.</summary>
    private static ValidationFailure? Validate(OpenIntegrationRequest request, bool requireWebhook)
    {
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            return ValidationFailure.Required("name");
        }

        var url = request.OutboundNotificationWebhookUrl;
        if (string.IsNullOrEmpty(url))
        {
            if (requireWebhook)
            {
                return ValidationFailure.Required("outboundNotificationWebhookUrl");
            }
        }
        else if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) || !EmulatorOptionsValidator.IsHttpUrl(parsed))
        {
            return ValidationFailure.Invalid("outboundNotificationWebhookUrl must be an absolute http(s) URL.");
        }

        var secret = request.OutboundNotificationWebhookSignatureSecretToken;
        if (string.IsNullOrEmpty(secret))
        {
            if (requireWebhook)
            {
                return ValidationFailure.Required("outboundNotificationWebhookSignatureSecretToken");
            }
        }
        else if (secret.Length < EmulatorOptionsValidator.MinimumSecretLength)
        {
            return ValidationFailure.Invalid(
                "outboundNotificationWebhookSignatureSecretToken must be longer than 15 characters.");
        }

        return null;
    }

    private static bool TryParsePaging(string? text, int fallback, int min, int max, out int value)
    {
        if (string.IsNullOrEmpty(text))
        {
            value = fallback;
            return true;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    }

    private static JsonHttpResult<GenesysError> NotFound(string integrationId) =>
        GenesysErrors.NotFound($"Open messaging integration {integrationId} was not found.");

    private static OpenIntegrationModel ToModel(Integration integration) => new(
        integration.Id,
        integration.Name,
        new EntityRef(DefaultSupportedContentId, "Default", $"/api/v2/conversations/messaging/supportedcontent/{DefaultSupportedContentId}"),
        integration.WebhookUrl?.ToString(),
        integration.WebhookSecret,
        integration.WebhookHeaders,
        "Active",
        new EntityRef(integration.Id, integration.Name, $"/api/v2/routing/message/recipients/{integration.Id}"),
        integration.DateCreated,
        integration.DateModified,
        "Open",
        "Completed",
        $"/api/v2{Path}/{integration.Id}");
}

/// <summary>Create and PATCH body (OpenIntegrationRequest / OpenIntegrationUpdateRequest).</summary>
internal sealed record OpenIntegrationRequest
{
    public string? Name { get; init; }
    public string? OutboundNotificationWebhookUrl { get; init; }
    public string? OutboundNotificationWebhookSignatureSecretToken { get; init; }
    public Dictionary<string, string>? WebhookHeaders { get; init; }
    public EntityRef? SupportedContent { get; init; }
    public EntityRef? MessagingSetting { get; init; }
}

/// <summary>A reference to another entity (<c>{ id, name, selfUri }</c>).</summary>
internal sealed record EntityRef(string? Id, string? Name = null, string? SelfUri = null);

/// <summary>The OpenIntegration read model.</summary>
internal sealed record OpenIntegrationModel(
    string Id,
    string Name,
    EntityRef SupportedContent,
    string? OutboundNotificationWebhookUrl,
    string? OutboundNotificationWebhookSignatureSecretToken,
    IReadOnlyDictionary<string, string> WebhookHeaders,
    string Status,
    EntityRef Recipient,
    DateTimeOffset DateCreated,
    DateTimeOffset DateModified,
    string MessengerType,
    string CreateStatus,
    string SelfUri);

/// <summary>A page of integrations (Genesys entity listing).</summary>
internal sealed record OpenIntegrationListing(
    IReadOnlyList<OpenIntegrationModel> Entities,
    int PageSize,
    int PageNumber,
    long Total,
    int PageCount,
    string FirstUri,
    string SelfUri,
    string LastUri,
    string? NextUri,
    string? PreviousUri);
