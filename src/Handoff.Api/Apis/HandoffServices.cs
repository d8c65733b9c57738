using Handoff.Core.Application;
using Handoff.Core.Dispatch;
using Microsoft.Extensions.Options;

namespace Handoff.Api.Apis;

/// <summary>What the handoff endpoints need, taken as <c>[AsParameters]</c> so handler signatures stay short.</summary>
public sealed class HandoffServices(HandoffCommands commands, IOptionsSnapshot<HandoffOptions> options, IOptionsMonitor<CallbackOptions> callbacks)
{
    public IOptionsMonitor<CallbackOptions> Callbacks { get; } = callbacks;

    public HandoffCommands Commands { get; } = commands;

    public IOptionsSnapshot<HandoffOptions> Options { get; } = options;
}
