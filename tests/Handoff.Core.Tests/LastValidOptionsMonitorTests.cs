using Handoff.Channels;
using Handoff.Core.Dispatch;
using Handoff.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Handoff.Core.Tests;

/// <summary>A configuration reload with settings that are not valid keeps the previous ones (<see cref="LastValidOptionsMonitor{TOptions}"/>).</summary>
public sealed class LastValidOptionsMonitorTests : IDisposable
{
    private readonly ReloadableConfiguration _configuration = new();
    private readonly CountingLoggerProvider _logs = new();
    private readonly ServiceProvider _services;

    public LastValidOptionsMonitorTests()
    {
        _configuration.Change("Handoff:Callbacks:Concurrency", "4");
        var configuration = new ConfigurationBuilder().Add(_configuration).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(logging => logging.AddProvider(_logs))
            .AddHandoffCore(_ => throw new InvalidOperationException("no store in these tests"));
        _services = services.BuildServiceProvider();
    }

    public void Dispose() => _services.Dispose();

    private IReadOnlyList<string> Errors => [.. _logs.Records.Where(r => r.Level >= LogLevel.Error).Select(r => r.Message)];

    private IOptionsMonitor<CallbackOptions> Monitor => _services.GetRequiredService<IOptionsMonitor<CallbackOptions>>();

    [Fact]
    public void Core_options_are_read_through_it()
    {
        Assert.IsType<LastValidOptionsMonitor<CallbackOptions>>(Monitor);
        Assert.IsType<LastValidOptionsMonitor<OutboxOptions>>(_services.GetRequiredService<IOptionsMonitor<OutboxOptions>>());
    }

    [Fact]
    public void A_reload_a_validator_refuses_keeps_the_previous_settings_and_logs_the_key()
    {
        var monitor = Monitor;
        var changes = new List<int>();
        using var subscription = monitor.OnChange((o, _) => changes.Add(o.Callbacks.Concurrency));
        Assert.Equal(4, monitor.CurrentValue.Callbacks.Concurrency);

        _configuration.Change("Handoff:Callbacks:Concurrency", "0");

        Assert.Equal(4, monitor.CurrentValue.Callbacks.Concurrency);
        Assert.Empty(changes);
        var logged = Assert.Single(Errors);
        Assert.Contains("Handoff:Callbacks:Concurrency must be at least 1", logged);
        Assert.Contains("previous settings stay in force", logged);

        _configuration.Change("Handoff:Callbacks:Concurrency", "6");

        Assert.Equal(6, monitor.CurrentValue.Callbacks.Concurrency);
        Assert.Equal([6], changes);
    }

    [Fact]
    public void A_reload_with_a_value_that_does_not_convert_keeps_the_previous_settings()
    {
        var monitor = Monitor;
        var before = monitor.CurrentValue.Callbacks.Timeout;

        _configuration.Change("Handoff:Callbacks:Timeout", "soon");

        Assert.Equal(before, monitor.CurrentValue.Callbacks.Timeout);
        Assert.Contains("Handoff:Callbacks:Timeout", Assert.Single(Errors));
    }

    [Fact]
    public void A_listener_that_unsubscribed_hears_no_more_changes()
    {
        var monitor = Monitor;
        var changes = 0;
        var subscription = monitor.OnChange((_, _) => changes++)!;
        _configuration.Change("Handoff:Callbacks:Concurrency", "5");
        subscription.Dispose();
        _configuration.Change("Handoff:Callbacks:Concurrency", "7");

        Assert.Equal(1, changes);
        Assert.Equal(7, monitor.CurrentValue.Callbacks.Concurrency);
    }

    [Fact]
    public void Settings_that_were_never_valid_still_throw_when_read_as_at_start_up()
    {
        _configuration.Change("Handoff:Callbacks:Concurrency", "0");

        var refused = Assert.Throws<OptionsValidationException>(() => Monitor.CurrentValue);
        Assert.Contains("Handoff:Callbacks:Concurrency", refused.Message);
    }
}
