namespace Handoff.Core.Dispatch;

/// <summary>Key <c>Handoff:InactivityTimeout</c>: end handoffs nobody touched for this long (off when unset).</summary>
public sealed class InactivityOptions
{
    public const string SectionName = "Handoff";

    /// <summary>
    /// A handoff with no user message, agent message or other change for this long is ended (<c>endedBy: timeout</c>) and the
    /// channel is told. Agent typing and <c>handoff.waiting</c> estimates do not count as activity. Null (default): never.
    /// </summary>
    public TimeSpan? InactivityTimeout { get; set; }
}
