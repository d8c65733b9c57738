using System.Text.Json.Nodes;

namespace Handoff.Api.Tests;

internal static class Events
{
    /// <summary>Polls the JSON event feed until <paramref name="predicate"/> holds for the list of events.</summary>
    public static async Task<JsonArray> WaitAsync(HttpClient client, string handoffId, Func<JsonArray, bool> predicate, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        JsonArray events = [];
        while (DateTime.UtcNow < deadline)
        {
            events = (await (await client.GetAsync($"/v1/handoffs/{handoffId}/events")).ReadNodeAsync()).AsArray();
            if (predicate(events))
            {
                return events;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Events of {handoffId} never matched. Last: {events.ToJsonString()}");
    }

    public static Task<JsonArray> WaitForTypeAsync(HttpClient client, string handoffId, string type, int count = 1, TimeSpan? timeout = null) =>
        WaitAsync(client, handoffId, e => e.Count(x => (string)x!["type"]! == type) >= count, timeout);

    public static IEnumerable<JsonNode> OfType(this JsonArray events, string type) => events.Where(e => (string)e!["type"]! == type)!;
}
