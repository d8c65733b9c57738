using System.Security.Claims;
using Handoff.Api.Infrastructure;
using Handoff.Core.Application;
using Handoff.Core.Domain;
using Handoff.Core.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Handoff.Api.Apis;

/// <summary>The v1 handoff API: start, read, relay user messages and typing, end, follow events.</summary>
public static class HandoffApi
{
    public static RouteGroupBuilder MapHandoffApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/handoffs").WithTags("Handoffs");

        // Every log line written while serving a handoff carries its id.
        group.AddEndpointFilterFactory((factory, next) =>
        {
            var logger = factory.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Handoff.Api");
            return async context =>
            {
                if (context.HttpContext.Request.RouteValues.TryGetValue("id", out var id) && id is string handoffId)
                {
                    using (HandoffLogScope.Begin(logger, handoffId))
                    {
                        return await next(context);
                    }
                }

                return await next(context);
            };
        });

        group.MapPost("/", StartHandoff)
            .WithName("StartHandoff")
            .WithSummary("Hand a user over to a human in a contact-center queue.");
        group.MapGet("/{id}", GetHandoff)
            .WithName("GetHandoff")
            .WithSummary("Read a handoff.");
        group.MapPost("/{id}/messages", SendMessage)
            .WithName("SendMessage")
            .WithSummary("Relay a user message (text and/or attachments by URL) to the agent. Stored before the answer; relayed in order.");
        group.MapPost("/{id}/typing", SendTyping)
            .WithName("SendTyping")
            .WithSummary("Tell the agent the user is typing.");
        group.MapPost("/{id}/end", EndHandoff)
            .WithName("EndHandoff")
            .WithSummary("End the handoff from the user side and tell the contact center.");
        group.MapGet("/{id}/events", HandoffEventsApi.GetEvents)
            .WithName("GetHandoffEvents")
            .WithSummary("Events of a handoff: a JSON array, or a Server-Sent Events stream with Accept: text/event-stream.")
            .Produces<EventResponse[]>(contentType: "application/json")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");

        return group;
    }

    public static async Task<Results<Created<HandoffResponse>, Ok<HandoffResponse>, ValidationProblem, NotFound<ProblemDetails>, Conflict<ConflictDetails>>> StartHandoff(
        StartHandoffRequest? request,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        ClaimsPrincipal principal,
        [AsParameters] HandoffServices services,
        CancellationToken cancellationToken)
    {
        var errors = HandoffValidation.Validate(request, services.Options.CurrentValue);
        if (idempotencyKey is { Length: > 128 })
        {
            errors["Idempotency-Key"] = ["At most 128 characters."];
        }

        var client = principal.Client();
        var callbacks = services.Callbacks.CurrentValue;
        var callbackUrl = request?.CallbackUrl ?? callbacks.CallbackUrls.GetValueOrDefault(client);
        if (callbackUrl is not null && !callbacks.CallbackSecrets.ContainsKey(client))
        {
            errors["callbackUrl"] = [$"No callback secret is configured for this API client (Handoff:CallbackSecrets:{client}); callbacks are always signed."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var user = request!.User!;
        var command = new StartHandoff(
            client,
            request.Channel!.Trim(),
            request.Queue!.Trim(),
            new HandoffUser(user.Id!, user.Nickname, user.FirstName, user.LastName, user.Email),
            (request.Transcript ?? []).Select(t => new TranscriptEntry(t.From!, t.Text!, t.Time)).ToArray(),
            request.Attributes ?? new Dictionary<string, string>(),
            string.IsNullOrWhiteSpace(idempotencyKey) ? null : idempotencyKey,
            callbackUrl);

        var result = await services.Commands.StartAsync(command, cancellationToken);
        return result.Outcome switch
        {
            StartOutcome.Created => TypedResults.Created($"/v1/handoffs/{result.Handoff!.Id}", HandoffResponse.From(result.Handoff)),
            StartOutcome.Replayed => TypedResults.Ok(HandoffResponse.From(result.Handoff!)),
            StartOutcome.UnknownChannel => NotFound("Unknown channel", $"No channel named '{command.Channel}' is installed. GET /v1/channels lists them."),
            StartOutcome.UnknownQueue => NotFound("Unknown queue", $"Channel '{command.Channel}' has no queue named '{command.Queue}'. GET /v1/channels lists them."),
            _ => TypedResults.Conflict(new ConflictDetails(
                "Active handoff exists",
                $"User '{command.User.Id}' already has an active handoff ({result.Handoff!.Id}) on queue '{result.Handoff.Queue}'.",
                result.Handoff.Id,
                HandoffResponse.From(result.Handoff))),
        };
    }

    public static async Task<Results<Ok<HandoffResponse>, NotFound<ProblemDetails>>> GetHandoff(
        string id, ClaimsPrincipal principal, [AsParameters] HandoffServices services, CancellationToken cancellationToken)
    {
        var handoff = await FindAsync(id, principal, services, cancellationToken);
        return handoff is null ? HandoffNotFound(id) : TypedResults.Ok(HandoffResponse.From(handoff));
    }

    public static async Task<Results<Accepted<MessageAccepted>, ValidationProblem, NotFound<ProblemDetails>, Conflict<ProblemDetails>>> SendMessage(
        string id, SendMessageRequest? request, ClaimsPrincipal principal, [AsParameters] HandoffServices services, CancellationToken cancellationToken)
    {
        var errors = HandoffValidation.Validate(request, services.Options.CurrentValue);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if (id.Length > MaxIdLength)
        {
            return HandoffNotFound(id);
        }

        // Whose handoff it is, is checked in the same write that stores the message (one store round trip, not two).
        var result = await services.Commands.SendMessageAsync(
            id, request!.Id, request.Text ?? string.Empty, cancellationToken, HandoffValidation.ToDomain(request.Attachments), principal.Client());
        return result.Outcome switch
        {
            CommandOutcome.NotFound => HandoffNotFound(id),
            CommandOutcome.Ended => HandoffEnded(result.Handoff!),
            _ => TypedResults.Accepted($"/v1/handoffs/{id}/events", new MessageAccepted(result.MessageId!, StatusName(result.Status))),
        };
    }

    public static async Task<Results<Accepted, NotFound<ProblemDetails>, Conflict<ProblemDetails>>> SendTyping(
        string id, ClaimsPrincipal principal, [AsParameters] HandoffServices services, CancellationToken cancellationToken)
    {
        var handoff = await FindAsync(id, principal, services, cancellationToken);
        if (handoff is null)
        {
            return HandoffNotFound(id);
        }

        return await services.Commands.SendTypingAsync(id, cancellationToken) switch
        {
            CommandOutcome.NotFound => HandoffNotFound(id),
            CommandOutcome.Ended => HandoffEnded(handoff),
            _ => TypedResults.Accepted((string?)null),
        };
    }

    public static async Task<Results<Ok<HandoffResponse>, ValidationProblem, NotFound<ProblemDetails>>> EndHandoff(
        string id, EndHandoffRequest? request, ClaimsPrincipal principal, [AsParameters] HandoffServices services, CancellationToken cancellationToken)
    {
        var errors = HandoffValidation.Validate(request);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if (await FindAsync(id, principal, services, cancellationToken) is null)
        {
            return HandoffNotFound(id);
        }

        var ended = await services.Commands.EndAsync(id, request?.Reason, cancellationToken);
        return ended is null ? HandoffNotFound(id) : TypedResults.Ok(HandoffResponse.From(ended));
    }

    /// <summary>Longer ids are never ours: answered 404 without asking the store.</summary>
    private const int MaxIdLength = 128;

    /// <summary>A handoff is visible only to the API client that started it.</summary>
    internal static async Task<HandoffRecord?> FindAsync(string id, ClaimsPrincipal principal, HandoffServices services, CancellationToken cancellationToken)
    {
        if (id.Length > MaxIdLength)
        {
            return null;
        }

        var handoff = await services.Commands.GetAsync(id, cancellationToken);
        if (handoff is null || !string.Equals(handoff.Client, principal.Client(), StringComparison.Ordinal))
        {
            return null;
        }

        HandoffTracing.Annotate(handoff);
        return handoff;
    }

    internal static NotFound<ProblemDetails> HandoffNotFound(string id) => NotFound("Handoff not found", $"No handoff '{id}' for this API key.");

    private static NotFound<ProblemDetails> NotFound(string title, string detail) =>
        TypedResults.NotFound(new ProblemDetails { Status = StatusCodes.Status404NotFound, Title = title, Detail = detail, Type = "https://tools.ietf.org/html/rfc9110#section-15.5.5" });

    private static Conflict<ProblemDetails> HandoffEnded(HandoffRecord handoff) =>
        TypedResults.Conflict(new ProblemDetails
        {
            Status = StatusCodes.Status409Conflict,
            Title = "Handoff has ended",
            Detail = $"Handoff '{handoff.Id}' is {handoff.Status.ToString().ToLowerInvariant()} ({handoff.EndReason}); start a new handoff.",
            Type = "https://tools.ietf.org/html/rfc9110#section-15.5.10",
            Extensions = { ["handoffId"] = handoff.Id, ["status"] = handoff.Status.ToString().ToLowerInvariant() },
        });

    private static string StatusName(OutboxStatus? status) => status switch
    {
        OutboxStatus.Sent => "sent",
        OutboxStatus.Failed or OutboxStatus.Cancelled => "failed",
        _ => "accepted",
    };
}
