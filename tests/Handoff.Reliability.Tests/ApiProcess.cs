using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Handoff.Testing;

namespace Handoff.Reliability.Tests;

/// <summary>
/// The real Handoff API: its own build output (<c>src/Handoff.Api/bin/&lt;Configuration&gt;/net10.0/Handoff.Api.dll</c>) run with
/// <c>dotnet</c> as a separate process, configured only through environment variables, and killable with SIGKILL.
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    private const int OutputLinesKept = 200;
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ApiProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the process wrote (stdout and stderr), for failure messages.</summary>
    public string RecentOutput => string.Join(System.Environment.NewLine, _output);

    /// <summary>The environment of an API wired to the emulator fixture, on the SQLite file <paramref name="databasePath"/>.</summary>
    public static Dictionary<string, string> EnvironmentFor(GenesysEmulatorFixture emulator, string databasePath) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Testing",
        ["ConnectionStrings__handoff"] = $"Data Source={databasePath}",
        ["Handoff__ApiKeys__test"] = Bot.ApiKey,
        ["Handoff__RateLimit__Burst"] = "100000",
        ["Handoff__RateLimit__RequestsPerSecond"] = "100000",
        ["Handoff__Outbox__BaseDelay"] = "00:00:00.200",
        ["Handoff__Outbox__PollInterval"] = "00:00:00.500",
        ["Channels__Genesys__ApiBaseUrl"] = emulator.BaseAddress.ToString(),
        ["Channels__Genesys__LoginBaseUrl"] = emulator.BaseAddress.ToString(),
        ["Channels__Genesys__ClientId"] = GenesysEmulatorFixture.ClientId,
        ["Channels__Genesys__ClientSecret"] = GenesysEmulatorFixture.ClientSecret,
        ["Channels__Genesys__WebhookSecret"] = GenesysEmulatorFixture.WebhookSecret,
        ["Channels__Genesys__Queues__Support__IntegrationId"] = GenesysEmulatorFixture.SupportIntegrationId,
        ["Channels__Genesys__Queues__Support__IntegrationName"] = GenesysEmulatorFixture.SupportIntegrationName,
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__Console__FormatterName"] = "simple",
        // No telemetry export from the child, whatever the test runner's environment says.
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "",
    };

    /// <summary>Starts the API on <paramref name="port"/> and waits until <c>/alive</c> answers 200.</summary>
    public static async Task<ApiProcess> StartAsync(IReadOnlyDictionary<string, string> environment, int port, TimeSpan readyTimeout)
    {
        var dll = LocateApiDll();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseAddress.ToString().TrimEnd('/'));
        foreach (var (key, value) in environment)
        {
            if (value.Length == 0)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var api = new ApiProcess(process, baseAddress);
        process.OutputDataReceived += (_, e) => api.Record(e.Data);
        process.ErrorDataReceived += (_, e) => api.Record(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {start.FileName} {dll}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await api.WaitUntilAliveAsync(readyTimeout);
        return api;
    }

    /// <summary>SIGKILL: no shutdown hooks, no drain; the outbox stays exactly as the last committed transaction left it.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process.Dispose();
    }

    /// <summary>A loopback port free right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>
    /// The API's own build output for this test build's configuration (recorded at build time), else the newest one found
    /// under <c>src/Handoff.Api/bin</c>; it must have its runtimeconfig beside it to run with <c>dotnet</c>.
    /// </summary>
    public static string LocateApiDll()
    {
        var metadata = typeof(ApiProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().ToDictionary(a => a.Key, a => a.Value);
        var projectDirectory = metadata.GetValueOrDefault("HandoffApiProjectDirectory") ?? FindProjectDirectory();
        var configuration = metadata.GetValueOrDefault("BuildConfiguration") ?? "Debug";
        var framework = $"net{System.Environment.Version.Major}.{System.Environment.Version.Minor}";

        var preferred = Path.Combine(projectDirectory, "bin", configuration, framework, "Handoff.Api.dll");
        if (IsRunnable(preferred))
        {
            return preferred;
        }

        var binDirectory = Path.Combine(projectDirectory, "bin");
        var found = Directory.Exists(binDirectory)
            ? Directory.EnumerateFiles(binDirectory, "Handoff.Api.dll", SearchOption.AllDirectories)
                .Where(IsRunnable)
                .OrderByDescending(File.GetLastWriteTimeUtc)
                .FirstOrDefault()
            : null;
        return found ?? throw new FileNotFoundException(
            $"Handoff.Api.dll was not found at {preferred} (nor anywhere under {binDirectory}); build src/Handoff.Api first.", preferred);
    }

    private static bool IsRunnable(string dll) =>
        File.Exists(dll) && File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json"));

    private static string FindProjectDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "src", "Handoff.Api");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"No src/Handoff.Api above {AppContext.BaseDirectory}.");
    }

    /// <summary>The dotnet muxer running this test host (or the SDK's), else <c>dotnet</c> from PATH.</summary>
    private static string DotnetHost()
    {
        var current = System.Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return current;
        }

        return System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
    }

    private async Task WaitUntilAliveAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The API process exited with code {_process.ExitCode} while starting:{System.Environment.NewLine}{RecentOutput}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(BaseAddress, "alive"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The API at {BaseAddress} was not alive within {timeout.TotalSeconds:0} s:{System.Environment.NewLine}{RecentOutput}");
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > OutputLinesKept && _output.TryDequeue(out _))
        {
        }
    }
}
