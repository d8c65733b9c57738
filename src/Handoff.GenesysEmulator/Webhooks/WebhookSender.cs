namespace Handoff.GenesysEmulator.Webhooks;

/// <summary>The result of one HTTP attempt.</summary>
internal readonly record struct WebhookAttemptResult(int? StatusCode, bool TimedOut, string? Error)
{
    public bool IsSuccess => StatusCode is >= 200 and < 300;

    public override string ToString() =>
        StatusCode is { } status ? status.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : TimedOut ? "timeout"
        : Error ?? "error";
}

/// <summary>
/// Sends one webhook attempt over the named HttpClient <see cref="HttpClientName"/>, which has no resilience handler:
/// retries follow Genesys' policy in <see cref="WebhookDispatcher"/>, not Polly's.
/// </summary>
internal sealed class WebhookSender(IHttpClientFactory clients, TimeProvider time)
{
    public const string HttpClientName = "genesys-webhooks";

    /// <summary>Headers the integration's static <c>webhookHeaders</c> may not override.</summary>
    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        WebhookSignature.HeaderName, "Content-Type", "Content-Length", "Host", "traceparent", "tracestate",
    };

    public async Task<WebhookAttemptResult> SendAsync(
        Uri url,
        WebhookJob job,
        IReadOnlyDictionary<string, string> staticHeaders,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Content = new ByteArrayContent(job.Body);
        request.Content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };
        if (job.Signature is not null)
        {
            request.Headers.TryAddWithoutValidation(WebhookSignature.HeaderName, job.Signature);
        }

        foreach (var (name, value) in staticHeaders)
        {
            if (!ReservedHeaders.Contains(name))
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var timeoutSource = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        try
        {
            var http = clients.CreateClient(HttpClientName);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            return new WebhookAttemptResult((int)response.StatusCode, TimedOut: false, Error: null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new WebhookAttemptResult(null, TimedOut: true, $"no answer within {timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException exception)
        {
            return new WebhookAttemptResult(null, TimedOut: false, exception.Message);
        }
    }
}
