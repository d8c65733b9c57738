using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Handoff.Testing;

namespace Handoff.Reliability.Tests;

/// <summary>
/// The emulator's fault injection (<c>POST/DELETE /emulator/faults</c>, counted in <c>/emulator/stats</c> as
/// <c>faultsInjected</c>), called over the fixture's control HttpClient.
/// </summary>
internal static class EmulatorFaults
{
    /// <summary>Answers <paramref name="rate"/> of the requests under <paramref name="path"/> with <paramref name="status"/> (and Retry-After, if given).</summary>
    public static async Task AddAsync(GenesysEmulatorFixture emulator, string path, HttpStatusCode status, double rate, int? retryAfterSeconds = null)
    {
        using var response = await emulator.Control.HttpClient.PostAsJsonAsync(
            "emulator/faults", new { path, status = (int)status, rate, retryAfterSeconds }, JsonSerializerOptions.Web);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException(
                $"POST /emulator/faults answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}", null, response.StatusCode);
        }
    }

    public static async Task ClearAsync(GenesysEmulatorFixture emulator)
    {
        using var response = await emulator.Control.HttpClient.DeleteAsync("emulator/faults");
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Faults injected since the emulator started (null when it does not report the counter).</summary>
    public static async Task<long?> InjectedAsync(GenesysEmulatorFixture emulator) =>
        Bot.Counter(await Bot.GetRawStatsAsync(emulator), "faultsInjected");
}
