using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Handoff.Channels.Genesys;

/// <summary>How one Genesys Platform API call rides out a blip (section <c>Channels:Genesys:Resilience</c>).</summary>
public sealed class GenesysResilienceOptions
{
    public const string SectionName = GenesysOptions.SectionName + ":Resilience";

    /// <summary>
    /// Retries inside one call. Inbound POSTs are not known to be idempotent in Genesys ([U]: no documented dedupe on
    /// <c>channel.messageId</c>), and core's outbox retries a failed delivery later anyway (durably, with its own back-off), so
    /// a call only rides out a short blip: at most 2 retries (3 attempts), never on a long Retry-After.
    /// </summary>
    public int MaxRetryAttempts { get; set; } = 2;

    /// <summary>First back-off (exponential with jitter after it) when Genesys sent no Retry-After.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>One attempt's limit.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The whole call's limit, retries and back-off included.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The Genesys API client's resilience: a total timeout, retries of transient outcomes (see
/// <see cref="GenesysModule.ShouldRetry"/>) honouring a short Retry-After, and a per-attempt timeout, as one Polly pipeline
/// built once per handler.
/// </summary>
/// <remarks>
/// It replaces the standard resilience handler ServiceDefaults gives every client. That one also runs a concurrency limiter
/// and a circuit breaker (which this client must not have: a breaker opened by a partial outage would refuse every call,
/// spending the outbox's retry budget on refusals), snapshots each request for its retries and enriches every attempt's
/// telemetry; on the relay's hot path (one call per relayed message) it cost about a fifth of the CPU of a relayed message
/// (the benchmark, issue #4). Failures stay visible: each retry is logged, and every attempt is an HttpClient span.
/// </remarks>
internal sealed partial class GenesysResilienceHandler : DelegatingHandler
{
    private static readonly ResiliencePropertyKey<HttpRequestMessage> RequestKey = new("Handoff.Genesys.Request");

    /// <summary>Set on a request this handler sent more than once (Genesys answered 429, 5xx or not in time first).</summary>
    internal static readonly HttpRequestOptionsKey<bool> Retried = new("Handoff.Genesys.Retried");
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public GenesysResilienceHandler(IOptions<GenesysResilienceOptions> options, TimeProvider timeProvider, ILogger<GenesysResilienceHandler> logger)
    {
        var settings = options.Value;
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider }
            .AddTimeout(settings.TotalTimeout)
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = settings.MaxRetryAttempts,
                Delay = settings.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(GenesysModule.ShouldRetry(args.Outcome, timeProvider)),
                // Genesys' own hint wins over the back-off (ShouldRetry has already refused a long one).
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Result is { } response ? GenesysClient.ReadRetryAfter(response, timeProvider) : null),
                OnRetry = args =>
                {
                    var request = args.Context.Properties.GetValue(RequestKey, null!);
                    request?.Options.Set(Retried, true);
                    LogRetry(logger, args.AttemptNumber + 1, request?.RequestUri?.AbsolutePath,
                        args.Outcome.Result is { } r ? ((int)r.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture) : args.Outcome.Exception?.GetType().Name,
                        args.RetryDelay);
                    return default; // Polly disposes the failed attempt's response before the next attempt
                },
            })
            .AddTimeout(settings.AttemptTimeout)
            .Build();
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            context.Properties.Set(RequestKey, request);
            // The request is sent again as it is: every body this client sends is a ByteArrayContent, readable again.
            var outcome = await _pipeline.ExecuteOutcomeAsync(
                static async (ctx, state) =>
                {
                    try
                    {
                        return Outcome.FromResult(await state.Handler.SendCoreAsync(state.Request, ctx.CancellationToken).ConfigureAwait(ctx.ContinueOnCapturedContext));
                    }
                    catch (Exception ex)
                    {
                        return Outcome.FromException<HttpResponseMessage>(ex);
                    }
                },
                context,
                (Handler: this, Request: request)).ConfigureAwait(false);
            outcome.ThrowIfException();
            return outcome.Result!;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(request, cancellationToken);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Genesys call {Path} failed ({Outcome}); attempt {Attempt} in {Delay}")]
    private static partial void LogRetry(ILogger logger, int attempt, string? path, string? outcome, TimeSpan delay);
}
