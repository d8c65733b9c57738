using Microsoft.Playwright;

namespace Handoff.Browser.Tests;

/// <summary>
/// Launches the machine's Chromium (Debian's <c>chromium</c> package) headless through Playwright. Playwright never
/// downloads a browser here: its driver (Node and the Playwright package) ships inside the Microsoft.Playwright NuGet
/// package and is copied to the build output's <c>.playwright/</c> folder, and the browser is the one at
/// <see cref="ExecutablePath"/>.
/// </summary>
internal static class Chromium
{
    /// <summary>Environment variable naming another Chromium or Chrome binary.</summary>
    public const string ExecutablePathVariable = "HANDOFF_CHROMIUM";

    private static readonly string[] Arguments =
    [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];

    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable(ExecutablePathVariable) is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static async Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"No Chromium at {ExecutablePath}. Install Debian's package (apt-get install -y chromium) or set {ExecutablePathVariable}.");
        }

        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = Arguments,
            Timeout = 60_000,
        });
    }
}
