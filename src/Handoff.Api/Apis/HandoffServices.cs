using Handoff.Core.Application;
using Handoff.Core.Dispatch;
using Microsoft.Extensions.Options;

namespace Handoff.Api.Apis;

/// <summary>What the handoff endpoints need, taken as <c>[AsParameters]</c> so handler signatures stay short.</summary>
/// <remarks>
/// Options come from <see cref="IOptionsMonitor{TOptions}"/>: the current value, rebuilt only when configuration reloads.
/// (<see cref="IOptionsSnapshot{TOptions}"/> would bind the whole section again on every request.)
/// </remarks>
public sealed class HandoffServices(HandoffCommands commands, IOptionsMonitor<HandoffOptions> options, IOptionsMonitor<CallbackOptions> callbacks)
{
    public IOptionsMonitor<CallbackOptions> Callbacks { get; } = callbacks;

    public HandoffCommands Commands { get; } = commands;

    public IOptionsMonitor<HandoffOptions> Options { get; } = options;
}
