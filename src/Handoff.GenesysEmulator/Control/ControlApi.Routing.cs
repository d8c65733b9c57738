using Handoff.GenesysEmulator.State;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Handoff.GenesysEmulator.Control;

// Agents joining and transferring, the agent directory and the queues.
internal static partial class ControlApi
{
    /// <summary>An agent picks the conversation up (user.start): the named one, else the default agent.</summary>
    internal static Results<Ok<ConversationView>, ProblemHttpResult> AgentJoin(
        string conversationId, AgentJoinRequest? request, [AsParameters] AgentServices services)
    {
        var agent = services.Agents.Resolve(request?.Name, request?.UserId);
        var result = services.Conversations.JoinAgent(conversationId, agent);
        if (Reject(result, conversationId) is { } problem)
        {
            return problem;
        }

        LogAgentJoined(services.Logger(), result.Conversation!.ActiveAgent?.Name ?? "?", conversationId);
        return TypedResults.Ok(services.Views.Conversation(result.Conversation));
    }

    /// <summary>
    /// Transfers away from the active agent leg (user.end with <c>TRANSFER</c>). Blind: the target (or another agent)
    /// joins at once (user.start). Requeue: a new leg alerts in the queue until the next agent message or join.
    /// </summary>
    internal static Results<Ok<ConversationView>, ValidationProblem, ProblemHttpResult> Transfer(
        string conversationId, TransferRequest? request, [AsParameters] AgentServices services)
    {
        TransferKind kind;
        switch (request?.Kind?.Trim().ToLowerInvariant())
        {
            case null or "" or "blind":
                kind = TransferKind.Blind;
                break;
            case "requeue":
                kind = TransferKind.Requeue;
                break;
            default:
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["kind"] = ["Kind must be blind or requeue."] });
        }

        var target = services.Agents.Resolve(request?.ToAgentName, request?.ToUserId);
        var result = services.Conversations.Transfer(conversationId, target, kind);
        if (Reject(result, conversationId) is { } problem)
        {
            return problem;
        }

        LogTransferred(services.Logger(), conversationId, kind, target?.Name ?? "(queue)");
        return TypedResults.Ok(services.Views.Conversation(result.Conversation!));
    }

    internal static Ok<IReadOnlyList<AgentView>> GetAgents(AgentDirectory agents) =>
        TypedResults.Ok<IReadOnlyList<AgentView>>(
            [.. agents.GetAll().Select(a => new AgentView(a.UserId, a.Name, a.Email, IsDefault: ReferenceEquals(a, agents.Default)))]);

    internal static Ok<IReadOnlyList<QueueView>> GetQueues(QueueRegistry queues, ConversationStore conversations) =>
        TypedResults.Ok<IReadOnlyList<QueueView>>([.. queues.GetAll().Select(q => Queue(q, conversations))]);

    /// <summary>Creates or replaces a queue's name and staffing.</summary>
    internal static Results<Created<QueueView>, Ok<QueueView>, ValidationProblem> PutQueue(
        string queueId, QueuePutRequest request, QueueRegistry queues, ConversationStore conversations)
    {
        var current = queues.Find(queueId);
        var name = string.IsNullOrWhiteSpace(request.Name) ? current?.Name ?? queueId : request.Name.Trim();
        var wait = request.EstimatedWaitSeconds ?? current?.EstimatedWaitSeconds ?? QueueDefaults.EstimatedWaitSeconds;
        var onQueue = request.OnQueueAgents ?? current?.OnQueueAgents ?? QueueDefaults.OnQueueAgents;
        var idle = request.IdleAgents ?? current?.IdleAgents ?? Math.Min(QueueDefaults.IdleAgents, onQueue);
        if (EmulatorOptionsValidator.ValidateStaffing(wait, onQueue, idle) is { } problem)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["staffing"] = [problem] });
        }

        var (queue, created) = queues.Upsert(queueId, name, wait, onQueue, idle);
        var view = Queue(queue, conversations);
        return created ? TypedResults.Created($"/emulator/queues/{queue.Id}", view) : TypedResults.Ok(view);
    }

    private static QueueView Queue(Queue queue, ConversationStore conversations)
    {
        var activity = conversations.GetQueueActivity(queue.Id);
        return new QueueView(
            queue.Id, queue.Name, queue.EstimatedWaitSeconds, queue.OnQueueAgents, queue.IdleAgents, activity.Waiting, activity.Interacting, queue.Configured);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentName} joined conversation {ConversationId}")]
    private static partial void LogAgentJoined(ILogger logger, string agentName, string conversationId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Conversation {ConversationId} transferred ({Kind}) to {Target}")]
    private static partial void LogTransferred(ILogger logger, string conversationId, TransferKind kind, string target);
}
