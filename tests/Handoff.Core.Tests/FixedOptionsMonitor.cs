using Microsoft.Extensions.Options;

namespace Handoff.Core.Tests;

/// <summary>Options that never change, for services built by hand in tests.</summary>
internal sealed class FixedOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
