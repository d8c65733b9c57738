using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Handoff.Channels;

/// <summary>
/// An <see cref="IOptionsMonitor{TOptions}"/> that keeps the last settings that were valid when the configuration is
/// reloaded with settings that are not (a validator refuses them, or a value does not convert): it logs why, names the
/// key, and goes on with the previous settings until the configuration is fixed.
/// </summary>
/// <remarks>
/// The framework's monitor builds the options again on every reload and throws from then on when they are not valid, so
/// one wrong edit of <c>appsettings.json</c> in a running service (which reloads it) fails every request and every
/// background service that reads them, and a background service that throws stops the host. At start-up nothing changes:
/// settings that are not valid still stop it (<c>ValidateOnStart</c> reads through this monitor, which has nothing to
/// keep yet). Register it with <see cref="OptionsBuilderExtensions.KeepLastValidOnReload{TOptions}"/>.
/// </remarks>
public sealed partial class LastValidOptionsMonitor<TOptions> : IOptionsMonitor<TOptions>, IDisposable
    where TOptions : class
{
    private readonly IOptionsFactory<TOptions> _factory;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, TOptions> _current = new(StringComparer.Ordinal);
    private readonly List<IDisposable> _registrations = [];
    private readonly Lock _listenersGate = new();
    private Action<TOptions, string?>[] _listeners = [];

    public LastValidOptionsMonitor(
        IOptionsFactory<TOptions> factory,
        IEnumerable<IOptionsChangeTokenSource<TOptions>> sources,
        ILogger<LastValidOptionsMonitor<TOptions>> logger)
    {
        _factory = factory;
        _logger = logger;
        foreach (var source in sources)
        {
            _registrations.Add(ChangeToken.OnChange(source.GetChangeToken, Reload, source.Name ?? Options.DefaultName));
        }
    }

    public TOptions CurrentValue => Get(Options.DefaultName);

    public TOptions Get(string? name)
    {
        name ??= Options.DefaultName;
        return _current.TryGetValue(name, out var options) ? options : _current.GetOrAdd(name, _factory.Create(name));
    }

    public IDisposable OnChange(Action<TOptions, string?> listener)
    {
        lock (_listenersGate)
        {
            _listeners = [.. _listeners, listener];
        }

        return new Subscription(this, listener);
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private void Reload(string name)
    {
        TOptions next;
        try
        {
            next = _factory.Create(name);
        }
        catch (Exception ex)
        {
            // Thrown on the configuration's change notification: never let it escape. Binding failures name the key and
            // validators' messages name theirs; neither carries a secret (secrets are strings, which always bind, and no
            // validator repeats one).
            if (_current.ContainsKey(name))
            {
                LogKeptPrevious(_logger, typeof(TOptions).Name, ex.Message);
            }

            return;
        }

        _current[name] = next;
        foreach (var listener in Volatile.Read(ref _listeners))
        {
            listener(next, name);
        }
    }

    private void Remove(Action<TOptions, string?> listener)
    {
        lock (_listenersGate)
        {
            _listeners = [.. _listeners.Where(l => l != listener)];
        }
    }

    private sealed class Subscription(LastValidOptionsMonitor<TOptions> monitor, Action<TOptions, string?> listener) : IDisposable
    {
        public void Dispose() => monitor.Remove(listener);
    }

    [LoggerMessage(EventId = 1801, Level = LogLevel.Error,
        Message = "The configuration was reloaded with {Options} that are not valid, so the previous settings stay in force until it is fixed: {Reason}")]
    private static partial void LogKeptPrevious(ILogger logger, string options, string reason);
}

public static class OptionsBuilderExtensions
{
    /// <summary>
    /// Reads these options through a <see cref="LastValidOptionsMonitor{TOptions}"/>: a configuration reload with settings
    /// that are not valid is logged and ignored instead of failing whatever reads them. Validation at start-up is unchanged.
    /// </summary>
    public static OptionsBuilder<TOptions> KeepLastValidOnReload<TOptions>(this OptionsBuilder<TOptions> builder)
        where TOptions : class
    {
        builder.Services.TryAddSingleton<IOptionsMonitor<TOptions>, LastValidOptionsMonitor<TOptions>>();
        return builder;
    }
}
