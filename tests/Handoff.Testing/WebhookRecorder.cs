using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Handoff.Testing;

/// <summary>
/// A loopback HTTP receiver (real Kestrel, dynamic port) that records every request (method, path, headers, raw body)
/// and answers 200, or a planned status for the next N requests (<see cref="RespondWith"/>). Use it as a webhook target.
/// </summary>
public sealed class WebhookRecorder : IAsyncDisposable
{
    private static readonly TimeSpan DefaultWaitTimeout = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly Queue<PlannedResponse> _plan = new();
    private WebApplication? _app;

    private WebhookRecorder()
    {
    }

    /// <summary>The receiver's root, e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>A conventional webhook URL on the receiver (<c>/webhook</c>); any path is recorded.</summary>
    public Uri Url => new(BaseAddress, "webhook");

    /// <summary>Status answered when nothing is planned.</summary>
    public HttpStatusCode DefaultStatus { get; set; } = HttpStatusCode.OK;

    /// <summary>Everything received so far, in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<WebhookRecorder> StartAsync(CancellationToken cancellationToken = default)
    {
        var recorder = new WebhookRecorder();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(recorder.HandleAsync);
        await app.StartAsync(cancellationToken);

        recorder._app = app;
        recorder.BaseAddress = new Uri(app.Urls.First(), UriKind.Absolute);
        return recorder;
    }

    /// <summary>Answers <paramref name="status"/> to the next <paramref name="times"/> requests, after an optional delay.</summary>
    public void RespondWith(HttpStatusCode status, int times = 1, TimeSpan delay = default)
    {
        lock (_gate)
        {
            for (var i = 0; i < times; i++)
            {
                _plan.Enqueue(new PlannedResponse(status, delay));
            }
        }
    }

    /// <summary>Forgets recorded requests and planned responses.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _requests.Clear();
            _plan.Clear();
        }
    }

    /// <summary>Waits for the first request matching <paramref name="predicate"/> (any request when null).</summary>
    public async Task<RecordedRequest> WaitForRequestAsync(
        Func<RecordedRequest, bool>? predicate = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        (await WaitForRequestsAsync(1, predicate, timeout, cancellationToken))[0];

    /// <summary>Waits until at least <paramref name="count"/> requests match; returns the matching ones.</summary>
    /// <exception cref="TimeoutException">Too few arrived in time; the message says what did arrive.</exception>
    public async Task<IReadOnlyList<RecordedRequest>> WaitForRequestsAsync(
        int count, Func<RecordedRequest, bool>? predicate = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        predicate ??= _ => true;
        var limit = timeout ?? DefaultWaitTimeout;
        var deadline = DateTimeOffset.UtcNow + limit;
        while (true)
        {
            var all = Requests;
            var matching = all.Where(predicate).ToList();
            if (matching.Count >= count)
            {
                return matching;
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                throw new TimeoutException(
                    $"Expected {count} matching request(s) at {BaseAddress} within {limit.TotalSeconds:0.#} s; "
                    + $"{matching.Count} matched out of {all.Count} received.");
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);

        PlannedResponse response;
        lock (_gate)
        {
            response = _plan.Count > 0 ? _plan.Dequeue() : new PlannedResponse(DefaultStatus, TimeSpan.Zero);
            var headers = context.Request.Headers.ToDictionary(
                h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            _requests.Add(new RecordedRequest(
                context.Request.Method,
                context.Request.Path.Value ?? "/",
                context.Request.QueryString.Value ?? string.Empty,
                headers,
                buffer.ToArray(),
                (int)response.Status,
                DateTimeOffset.UtcNow));
        }

        if (response.Delay > TimeSpan.Zero)
        {
            await Task.Delay(response.Delay, context.RequestAborted);
        }

        context.Response.StatusCode = (int)response.Status;
    }

    private sealed record PlannedResponse(HttpStatusCode Status, TimeSpan Delay);
}

/// <summary>One request the <see cref="WebhookRecorder"/> received.</summary>
/// <param name="Body">The exact body bytes, as needed to verify a signature.</param>
/// <param name="ResponseStatus">The status the recorder answered (or was about to, if the caller gave up).</param>
public sealed record RecordedRequest(
    string Method,
    string Path,
    string QueryString,
    IReadOnlyDictionary<string, string> Headers,
    byte[] Body,
    int ResponseStatus,
    DateTimeOffset ReceivedAt)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>A header's value (comma-joined if repeated), or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    /// <summary>The body parsed as JSON.</summary>
    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Body);
        return document.RootElement.Clone();
    }
}
