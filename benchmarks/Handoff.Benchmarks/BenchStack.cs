using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Handoff.Api;
using Handoff.Core.Storage;
using Handoff.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Handoff.Benchmarks;

/// <summary>
/// Everything one benchmark case needs, in this process on real loopback HTTP: the Genesys emulator, and either the
/// Handoff API (relay) or a minimal webhook sink standing in for the bot's own receiver (direct). Senders are concurrent
/// with each other and sequential within themselves (one handoff or one end user each), in both paths.
/// </summary>
public sealed class BenchStack : IAsyncDisposable
{
    public const string ApiKey = "benchmark-api-key-0123456789";

    private readonly BenchOptions _options;
    private readonly GenesysEmulatorFixture _emulator = new();
    private readonly string _databasePath;
    private ApiFactory? _api;
    private WebApplication? _sink;
    private WebApplication? _forwarder;
    private HttpClient? _upstream;
    private HttpClient _client = null!;
    private string[] _senders = [];
    private int _round;

    private BenchStack(BenchOptions options)
    {
        _options = options;
        _databasePath = Path.Combine(options.DatabaseDirectory ?? Path.GetTempPath(), $"handoff-bench-{Guid.NewGuid():N}.db");
    }

    public GenesysEmulatorFixture Emulator => _emulator;

    public IServiceProvider? ApiServices => _api?.Services;

    /// <summary>The store wrapped for profiling, when started with <c>timedStore</c>.</summary>
    public TimedStore? Store { get; private set; }

    public static async Task<BenchStack> StartRelayAsync(BenchOptions options, bool timedStore = false)
    {
        var stack = new BenchStack(options);
        await stack.StartEmulatorAsync();
        IHandoffStore NewStore(IServiceProvider sp) => options.FreeStore
            ? new FreeStore(sp.GetRequiredService<HandoffSignals>())
            : new SqliteHandoffStore($"Data Source={stack._databasePath}", sp.GetRequiredService<HandoffSignals>());
        stack._api = new ApiFactory(stack._emulator, stack._databasePath, options, timedStore || options.FreeStore
            ? services => services.AddSingleton<IHandoffStore>(sp => timedStore ? stack.Store = new TimedStore(NewStore(sp)) : NewStore(sp))
            : null);
        stack._api.UseKestrel(0);
        stack._api.StartServer();
        var api = stack._api.ClientOptions.BaseAddress;
        if (options.SynchronousNormal)
        {
            PrimeConnectionPool(stack._databasePath);
        }

        await stack._emulator.SetWebhookAsync(GenesysEmulatorFixture.SupportIntegrationId, new Uri(api, "channels/genesys/webhook"));

        stack._client = NewClient(api);
        stack._client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        stack._senders = await Task.WhenAll(Enumerable.Range(1, options.Senders).Select(i => stack.StartHandoffAsync(i)));
        await stack.WaitForInboundAsync(options.Senders, TimeSpan.FromSeconds(60));
        return stack;
    }

    public static async Task<BenchStack> StartDirectAsync(BenchOptions options)
    {
        var (stack, genesys) = await StartWithSinkAsync(options);
        stack._client = genesys;
        stack._senders = [.. Enumerable.Range(1, options.Senders).Select(i => $"direct-user-{i:000}-{Guid.NewGuid():N}")];
        return stack;
    }

    /// <summary>The emulator with its receipts going to the minimal receiver, and a client for its API holding a token.</summary>
    private static async Task<(BenchStack Stack, HttpClient Genesys)> StartWithSinkAsync(BenchOptions options)
    {
        var stack = new BenchStack(options);
        await stack.StartEmulatorAsync();
        stack._sink = await StartSinkAsync();
        await stack._emulator.SetWebhookAsync(GenesysEmulatorFixture.SupportIntegrationId, new Uri(new Uri(stack._sink.Urls.First()), "webhook"));

        var genesys = NewClient(stack._emulator.BaseAddress);
        genesys.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(genesys));
        return (stack, genesys);
    }

    /// <summary>
    /// The ceiling (<c>--ceiling</c>): a stateless forwarder in place of Handoff. It takes the same
    /// <c>POST /v1/handoffs/{id}/messages</c>, posts the message straight on to the emulator (one more HTTP exchange, like the
    /// relay's) and answers 202 when Genesys has answered; the emulator's receipts go to a minimal receiver, as in the direct
    /// path. Nothing is stored, authenticated, traced or deduplicated: it bounds what any relay with one more hop can reach
    /// on this machine.
    /// </summary>
    public static async Task<BenchStack> StartForwarderAsync(BenchOptions options)
    {
        var (stack, genesys) = await StartWithSinkAsync(options);
        stack._upstream = genesys;
        stack._forwarder = await StartForwarderAppAsync(stack._upstream);
        stack._client = NewClient(new Uri(stack._forwarder.Urls.First()));
        stack._senders = [.. Enumerable.Range(1, options.Senders).Select(i => $"forwarded-user-{i:000}-{Guid.NewGuid():N}")];
        return stack;
    }

    /// <summary>
    /// Starts the emulator; with <c>--latency MS</c>, every post to its inbound message API (direct, relayed or forwarded)
    /// is answered after that delay, like a Genesys region across the internet rather than on loopback.
    /// </summary>
    private async Task StartEmulatorAsync()
    {
        await _emulator.InitializeAsync();
        if (_options.LatencyMs > 0)
        {
            await _emulator.Control.AddFaultAsync(new EmulatorFault($"/api/v2/conversations/messages/{GenesysEmulatorFixture.SupportIntegrationId}/inbound")
            {
                Method = "POST",
                DelayMs = _options.LatencyMs,
            });
        }
    }

    /// <summary>
    /// What-if only: opens connections with exactly the store's connection string, sets <c>synchronous = NORMAL</c> on each
    /// and returns them to Microsoft.Data.Sqlite's pool, so the store's per-call connections reuse them (the setting is per
    /// connection and survives pooling). Core is not changed.
    /// </summary>
    internal static void PrimeConnectionPool(string databasePath)
    {
        var connectionString = new SqliteConnectionStringBuilder($"Data Source={databasePath}") { DefaultTimeout = 30 }.ToString();
        var connections = Enumerable.Range(0, 128).Select(_ => new SqliteConnection(connectionString)).ToList();
        foreach (var connection in connections)
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA synchronous = NORMAL;";
            command.ExecuteNonQuery();
        }

        connections.ForEach(c => c.Dispose());
    }

    /// <summary>Every sender posts its share straight to Genesys' inbound API; done when the emulator holds them all.</summary>
    public Task DirectAsync() => MeasureAsync("direct", (sender, messageId, text) =>
        _client.PostAsJsonAsync(
            $"api/v2/conversations/messages/{GenesysEmulatorFixture.SupportIntegrationId}/inbound/open/message",
            InboundBody(sender, messageId, text),
            JsonSerializerOptions.Web));

    /// <summary>Every sender posts its share to its handoff on the Handoff API; done when the emulator holds them all.</summary>
    public Task RelayAsync() => MeasureAsync("relay", (sender, messageId, text) =>
        _client.PostAsJsonAsync($"v1/handoffs/{sender}/messages", new { id = messageId, text }, JsonSerializerOptions.Web));

    /// <summary>Every sender posts its share to the stateless forwarder (see <see cref="StartForwarderAsync"/>).</summary>
    public Task ForwardAsync() => MeasureAsync(Forwarder, (sender, messageId, text) =>
        _client.PostAsJsonAsync($"v1/handoffs/{sender}/messages", new { id = messageId, text }, JsonSerializerOptions.Web));

    public const string Forwarder = "forwarder";

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_forwarder is not null)
        {
            await _forwarder.DisposeAsync();
        }

        _upstream?.Dispose();
        if (_api is not null)
        {
            await _api.DisposeAsync();
        }

        if (_sink is not null)
        {
            await _sink.DisposeAsync();
        }

        await _emulator.DisposeAsync();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            try
            {
                File.Delete(_databasePath + suffix);
            }
            catch (IOException)
            {
            }
        }
    }

    private async Task MeasureAsync(string path, Func<string, string, string, Task<HttpResponseMessage>> post)
    {
        var round = Interlocked.Increment(ref _round);
        var target = (await _emulator.Control.GetStatsAsync()).InboundMessages + _options.Messages;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var cpuBefore = CpuTime();
        var clock = Stopwatch.StartNew();

        await Task.WhenAll(_senders.Select(async sender =>
        {
            for (var i = 0; i < _options.PerSender; i++)
            {
                using var response = await post(sender, $"{sender}-r{round}-m{i:0000}", $"round {round} message {i} from {sender}");
                if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.Accepted))
                {
                    throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
        }));
        var ingested = clock.Elapsed;
        await WaitForInboundAsync(target, TimeSpan.FromMinutes(5));

        clock.Stop();
        var cpu = CpuTime() - cpuBefore;
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        Measurement.Record(new Measurement(path, _options.Messages, clock.Elapsed, ingested, allocated, Environment.WorkingSet, cpu));
    }

    private static TimeSpan CpuTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    /// <summary>Polls the emulator's counter (cheap, the same for both paths) until it reaches <paramref name="target"/>.</summary>
    private async Task WaitForInboundAsync(long target, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while ((await _emulator.Control.GetStatsAsync()).InboundMessages < target)
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"The emulator did not reach {target} inbound messages within {timeout}.");
            }

            await Task.Delay(5);
        }
    }

    private async Task<string> StartHandoffAsync(int index)
    {
        using var response = await _client.PostAsJsonAsync("v1/handoffs", new
        {
            channel = "genesys",
            queue = "Support",
            user = new { id = $"bench-user-{index:000}-{Guid.NewGuid():N}", nickname = $"User {index}" },
        }, JsonSerializerOptions.Web);
        var body = await response.Content.ReadAsStringAsync();
        return response.StatusCode == HttpStatusCode.Created
            ? (string)JsonNode.Parse(body)!["id"]!
            : throw new InvalidOperationException($"Starting a handoff answered {(int)response.StatusCode}: {body}");
    }

    private static async Task<string> TokenAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "oauth/token")
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{GenesysEmulatorFixture.ClientId}:{GenesysEmulatorFixture.ClientSecret}")));
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["access_token"]!;
    }

    /// <summary>What Handoff's Genesys adapter sends for a user message (same fields, same size).</summary>
    private static object InboundBody(string from, string messageId, string text) => new
    {
        channel = new
        {
            platform = "Open",
            type = "Private",
            messageId,
            to = new { id = GenesysEmulatorFixture.SupportIntegrationId },
            from = new { id = from, idType = "Opaque", nickname = "Bench user" },
            time = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
        },
        type = "Text",
        text,
        direction = "Inbound",
    };

    private static HttpClient NewClient(Uri baseAddress) => new(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 })
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromMinutes(2),
    };

    /// <summary>The bot's own webhook receiver in the direct path: reads the body and answers 200, nothing else.</summary>
    private static async Task<WebApplication> StartSinkAsync()
    {
        var app = NewMinimalApp();
        app.Run(async context =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
            context.Response.StatusCode = StatusCodes.Status200OK;
        });
        await app.StartAsync();
        return app;
    }

    /// <summary>A slim app on a free loopback port, without logging: the benchmark's stand-ins are nothing but their handler.</summary>
    private static WebApplication NewMinimalApp()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        return builder.Build();
    }

    private sealed record ForwardedMessage(string Id, string Text);

    /// <summary>The forwarder itself: read the message, post it to Genesys' inbound API, answer 202. Nothing else.</summary>
    private static async Task<WebApplication> StartForwarderAppAsync(HttpClient upstream)
    {
        var app = NewMinimalApp();
        var path = $"api/v2/conversations/messages/{GenesysEmulatorFixture.SupportIntegrationId}/inbound/open/message";
        app.MapPost("/v1/handoffs/{id}/messages", async (string id, ForwardedMessage message, CancellationToken cancellationToken) =>
        {
            using var response = await upstream.PostAsJsonAsync(path, InboundBody(id, message.Id, message.Text), JsonSerializerOptions.Web, cancellationToken);
            return response.IsSuccessStatusCode ? Results.Accepted() : Results.StatusCode((int)response.StatusCode);
        });
        await app.StartAsync();
        return app;
    }

    /// <summary>The API with its production defaults except: the emulator as Genesys, no rate limit, warnings-only logs.</summary>
    private sealed class ApiFactory(GenesysEmulatorFixture emulator, string databasePath, BenchOptions options, Action<IServiceCollection>? configureServices)
        : WebApplicationFactory<ApiApp>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Production");
            var settings = HandoffApiSettings.For(emulator.BaseAddress, databasePath, "bench", ApiKey);
            settings.Remove("Handoff:Outbox:BaseDelay"); // production defaults, but for the rate limit
            settings.Remove("Handoff:Outbox:PollInterval");
            if (options.OutboxConcurrency is { } concurrency)
            {
                settings["Handoff:Outbox:Concurrency"] = concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if (options.OutboxMaxConcurrency is { } max)
            {
                settings["Handoff:Outbox:MaxConcurrency"] = max.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            builder.ConfigureAppConfiguration(config => config.AddInMemoryCollection(settings));
            if (configureServices is not null)
            {
                builder.ConfigureTestServices(configureServices);
            }
        }
    }
}
