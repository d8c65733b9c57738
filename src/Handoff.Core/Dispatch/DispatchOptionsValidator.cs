using Microsoft.Extensions.Options;

namespace Handoff.Core.Dispatch;

/// <summary>
/// Start-up checks of the dispatchers', inactivity and retention settings, naming the configuration key. Without them a
/// setting such as <c>Handoff:Outbox:Concurrency = 0</c> is accepted and only fails once the host runs (the dispatcher
/// stops and nothing is relayed), or a zero delay turns retries into a busy loop against the contact center.
/// </summary>
internal sealed class DispatchOptionsValidator :
    IValidateOptions<OutboxOptions>, IValidateOptions<CallbackOptions>, IValidateOptions<InactivityOptions>, IValidateOptions<RetentionOptions>
{
    public ValidateOptionsResult Validate(string? name, OutboxOptions options)
    {
        var errors = new Errors(OutboxOptions.SectionName);
        errors.AtLeastOne(nameof(options.MaxAttempts), options.MaxAttempts);
        errors.Backoff(nameof(options.BaseDelay), options.BaseDelay, nameof(options.MaxDelay), options.MaxDelay);
        errors.Concurrency(nameof(options.Concurrency), options.Concurrency, nameof(options.MaxConcurrency), options.MaxConcurrency);
        errors.AtLeastOne(nameof(options.BatchSize), options.BatchSize);
        errors.Interval(nameof(options.AttemptTimeout), options.AttemptTimeout);
        errors.Interval(nameof(options.PollInterval), options.PollInterval);
        return errors.Result;
    }

    public ValidateOptionsResult Validate(string? name, CallbackOptions options)
    {
        var callbacks = options.Callbacks;
        var errors = new Errors($"{CallbackOptions.SectionName}:{nameof(options.Callbacks)}");
        errors.AtLeastOne(nameof(callbacks.MaxAttempts), callbacks.MaxAttempts);
        errors.Backoff(nameof(callbacks.BaseDelay), callbacks.BaseDelay, nameof(callbacks.MaxDelay), callbacks.MaxDelay);
        errors.Interval(nameof(callbacks.Timeout), callbacks.Timeout);
        errors.Concurrency(nameof(callbacks.Concurrency), callbacks.Concurrency, nameof(callbacks.MaxConcurrency), callbacks.MaxConcurrency);
        errors.Interval(nameof(callbacks.PollInterval), callbacks.PollInterval);
        return errors.Result;
    }

    public ValidateOptionsResult Validate(string? name, InactivityOptions options)
    {
        var errors = new Errors(InactivityOptions.SectionName);
        if (options.InactivityTimeout is { } timeout)
        {
            errors.Positive(nameof(options.InactivityTimeout), timeout, " (leave it unset to never end handoffs for inactivity)");
        }

        return errors.Result;
    }

    public ValidateOptionsResult Validate(string? name, RetentionOptions options)
    {
        // KeepFinished may be zero or less: that keeps everything.
        var errors = new Errors(RetentionOptions.SectionName);
        errors.Interval(nameof(options.Interval), options.Interval);
        errors.AtLeastOne(nameof(options.BatchSize), options.BatchSize);
        return errors.Result;
    }

    /// <summary>The longest timeout or polling interval accepted.</summary>
    internal static readonly TimeSpan LongestInterval = TimeSpan.FromDays(1);

    private sealed class Errors(string section)
    {
        private readonly List<string> _messages = [];

        public ValidateOptionsResult Result => _messages.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_messages);

        public void AtLeastOne(string key, int value)
        {
            if (value < 1)
            {
                _messages.Add($"{section}:{key} must be at least 1 (it is {value}).");
            }
        }

        public void Positive(string key, TimeSpan value, string hint = "")
        {
            if (value <= TimeSpan.Zero)
            {
                _messages.Add($"{section}:{key} must be longer than zero (it is {value}){hint}.");
            }
        }

        /// <summary>
        /// A timeout or a polling interval: longer than zero and at most <see cref="LongestInterval"/> (timers and waits take
        /// at most ~24 days; beyond that a dispatcher's wait would throw, and no poll or call is meant to take that long).
        /// </summary>
        public void Interval(string key, TimeSpan value)
        {
            Positive(key, value);
            if (value > LongestInterval)
            {
                _messages.Add($"{section}:{key} must be at most {LongestInterval} (it is {value}).");
            }
        }

        /// <summary>A dispatcher's floor (at least 1) and its optional ceiling (not below the floor; by default a multiple of it).</summary>
        public void Concurrency(string key, int value, string maxKey, int? max)
        {
            AtLeastOne(key, value);
            if (max is { } ceiling)
            {
                if (ceiling < value)
                {
                    _messages.Add($"{section}:{maxKey} ({ceiling}) must not be below {section}:{key} ({value}).");
                }
            }
            else if (value > int.MaxValue / DeliveryConcurrency.DefaultCeilingFactor)
            {
                _messages.Add($"{section}:{key} must be at most {int.MaxValue / DeliveryConcurrency.DefaultCeilingFactor} without {section}:{maxKey} (it is {value}).");
            }
        }

        public void Backoff(string baseKey, TimeSpan baseDelay, string maxKey, TimeSpan maxDelay)
        {
            Positive(baseKey, baseDelay);
            if (maxDelay < baseDelay)
            {
                _messages.Add($"{section}:{maxKey} ({maxDelay}) must not be shorter than {section}:{baseKey} ({baseDelay}).");
            }
        }
    }
}
