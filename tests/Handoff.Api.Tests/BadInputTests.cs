using System.Net;
using System.Text;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Handoff.Api.Tests;

/// <summary>
/// Over a thousand generated malformed requests across every endpoint: each must get a 4xx (never a 5xx, never a
/// success), and the store must be exactly as before.
/// </summary>
public sealed class BadInputTests(ApiStack stack, ITestOutputHelper output) : IClassFixture<ApiStack>
{
    [Fact]
    public async Task Generated_malformed_requests_get_only_4xx_and_change_nothing()
    {
        var client = stack.CreateClient();
        var active = (string)(await (await client.PostJsonAsync("/v1/handoffs", Json.NewHandoff())).ReadNodeAsync())["id"]!;
        await Events.WaitForTypeAsync(client, active, "handoff.queued");
        await Task.Delay(500); // let the emulator's receipt for the start settle
        var before = Snapshot();

        var requests = Generate(active).ToList();
        var statuses = new Dictionary<int, int>();
        var failures = new List<string>();
        using var anonymous = stack.CreateClient(apiKey: null);
        foreach (var (name, request, authenticated) in requests)
        {
            using var response = await (authenticated ? client : anonymous).SendAsync(request);
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            if (status is < 400 or >= 500)
            {
                failures.Add($"{name} → {status}: {await response.Content.ReadAsStringAsync()}");
            }
        }

        output.WriteLine($"bad-input: {requests.Count} requests; statuses {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}; {failures.Count} not 4xx");
        Assert.True(requests.Count >= 1000, $"only {requests.Count} requests generated");
        Assert.Empty(failures);
        Assert.Equal(before, Snapshot());
    }

    private string Snapshot()
    {
        using var connection = new SqliteConnection($"Data Source={stack.DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        var counts = new StringBuilder();
        // A row's key per table (inbound has no rowid: its key is the channel's delivery id).
        foreach (var (table, key) in new[]
                 {
                     ("handoffs", "rowid"), ("events", "seq"), ("outbox", "seq"), ("inbound", "channel || ':' || external_id"),
                     ("idempotency", "rowid"), ("callbacks", "event_seq"),
                 })
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT COUNT(*), COALESCE(SUM(LENGTH(COALESCE(CAST({key} AS TEXT), ''))), 0) FROM {table}";
            using var reader = command.ExecuteReader();
            reader.Read();
            counts.Append(table).Append('=').Append(reader.GetInt64(0)).Append(' ');
        }

        using var state = connection.CreateCommand();
        state.CommandText = "SELECT group_concat(id || ':' || status || ':' || updated_at, ',') FROM handoffs";
        counts.Append(state.ExecuteScalar());
        return counts.ToString();
    }

    private static HttpRequestMessage Body(HttpMethod method, string path, string body, string contentType = "application/json") =>
        new(method, path) { Content = new StringContent(body, Encoding.UTF8) { Headers = { ContentType = new(contentType) } } };

    private static IEnumerable<(string Name, HttpRequestMessage Request, bool Authenticated)> Generate(string active)
    {
        var random = new Random(20261125);
        string[] wrongValues = ["42", "-1", "3.14", "true", "false", "[]", "[1,2]", "{}", "{\"a\":1}", "null", "\"\"", "\"   \""];
        string[] startFields = ["channel", "queue", "user", "transcript", "attributes", "callbackUrl"];
        string[] userFields = ["id", "nickname", "firstName", "lastName", "email"];
        var valid = """{"channel":"genesys","queue":"Support","user":{"id":"fuzz-user","nickname":"F"},"transcript":[{"from":"user","text":"hi"}],"attributes":{"k":"v"}}""";

        // 1. Each required start field missing, blank or of a wrong type.
        foreach (var field in new[] { "channel", "queue" })
        {
            foreach (var value in wrongValues.Append(null))
            {
                var body = value is null
                    ? valid.Replace($"\"{field}\":\"{(field == "channel" ? "genesys" : "Support")}\",", "", StringComparison.Ordinal)
                    : valid.Replace($"\"{field}\":\"{(field == "channel" ? "genesys" : "Support")}\"", $"\"{field}\":{value}", StringComparison.Ordinal);
                yield return ($"start {field}={value ?? "missing"}", Body(HttpMethod.Post, "/v1/handoffs", body), true);
            }
        }

        foreach (var value in wrongValues.Where(v => v != "{}" && v != "{\"a\":1}"))
        {
            yield return ($"start user={value}", Body(HttpMethod.Post, "/v1/handoffs", valid.Replace("{\"id\":\"fuzz-user\",\"nickname\":\"F\"}", value, StringComparison.Ordinal)), true);
        }

        foreach (var field in userFields)
        {
            foreach (var value in wrongValues.Where(v => v is not "null" and not "\"\"" and not "\"   \"" || field == "id"))
            {
                var user = field == "id" ? $"{{\"id\":{value}}}" : $"{{\"id\":\"fuzz\",\"{field}\":{value}}}";
                if (field != "id" && value.StartsWith('"'))
                {
                    continue; // a blank optional string is valid
                }

                yield return ($"start user.{field}={value}", Body(HttpMethod.Post, "/v1/handoffs", valid.Replace("{\"id\":\"fuzz-user\",\"nickname\":\"F\"}", user, StringComparison.Ordinal)), true);
            }
        }

        // 2. Wrong transcript entries and attribute values.
        foreach (var entry in new[] { "{\"from\":\"agent\",\"text\":\"x\"}", "{\"from\":\"user\"}", "{\"from\":\"user\",\"text\":5}", "{\"from\":1,\"text\":\"x\"}", "7", "\"x\"", "[]", "{\"from\":\"bot\",\"text\":\"x\",\"time\":\"yesterday\"}" })
        {
            yield return ($"start transcript {entry}", Body(HttpMethod.Post, "/v1/handoffs", valid.Replace("[{\"from\":\"user\",\"text\":\"hi\"}]", $"[{entry}]", StringComparison.Ordinal)), true);
        }

        foreach (var value in new[] { "1", "true", "[]", "{}", "null" })
        {
            yield return ($"start attribute={value}", Body(HttpMethod.Post, "/v1/handoffs", valid.Replace("{\"k\":\"v\"}", $"{{\"k\":{value}}}", StringComparison.Ordinal)), true);
        }

        yield return ("start attributes too long", Body(HttpMethod.Post, "/v1/handoffs", valid.Replace("\"v\"", $"\"{new string('v', 5000)}\"", StringComparison.Ordinal)), true);
        yield return ("start too many attributes", Body(HttpMethod.Post, "/v1/handoffs", valid.Replace("{\"k\":\"v\"}", "{" + string.Join(',', Enumerable.Range(0, 60).Select(i => $"\"k{i}\":\"v\"")) + "}", StringComparison.Ordinal)), true);
        yield return ("start unknown channel", Body(HttpMethod.Post, "/v1/handoffs", valid.Replace("genesys", "telepathy", StringComparison.Ordinal)), true);
        yield return ("start unknown queue", Body(HttpMethod.Post, "/v1/handoffs", valid.Replace("Support", "Nowhere", StringComparison.Ordinal)), true);
        yield return ("start bad callbackUrl", Body(HttpMethod.Post, "/v1/handoffs", valid.Replace("}}", "}, \"callbackUrl\":\"not a url\"}", StringComparison.Ordinal)), true);
        yield return ("start bad email", Body(HttpMethod.Post, "/v1/handoffs", valid.Replace("\"nickname\":\"F\"", "\"email\":\"nope\"", StringComparison.Ordinal)), true);

        // 3. Truncated and corrupted JSON, random bytes, wrong content types.
        for (var cut = 1; cut < valid.Length; cut += 2)
        {
            yield return ($"start truncated at {cut}", Body(HttpMethod.Post, "/v1/handoffs", valid[..cut]), true);
        }

        for (var i = 0; i < 420; i++)
        {
            var chars = valid.ToCharArray();
            var position = random.Next(chars.Length);
            chars[position] = "{}[]:,\"\\x0 "[random.Next(11)];
            var mutated = new string(chars);
            if (IsStillValidStart(mutated))
            {
                continue;
            }

            yield return ($"start corrupted #{i}", Body(HttpMethod.Post, "/v1/handoffs", mutated), true);
        }

        for (var i = 0; i < 150; i++)
        {
            var bytes = new byte[random.Next(1, 200)];
            random.NextBytes(bytes);
            yield return ($"start random bytes #{i}", new HttpRequestMessage(HttpMethod.Post, "/v1/handoffs") { Content = new ByteArrayContent(bytes) { Headers = { ContentType = new("application/json") } } }, true);
        }

        yield return ("start as form", Body(HttpMethod.Post, "/v1/handoffs", "channel=genesys&queue=Support", "application/x-www-form-urlencoded"), true);
        yield return ("start as text", Body(HttpMethod.Post, "/v1/handoffs", valid, "text/plain"), true);
        yield return ("start empty body", Body(HttpMethod.Post, "/v1/handoffs", ""), true);
        var tooLarge = Body(HttpMethod.Post, "/v1/handoffs", valid.Replace("\"hi\"", $"\"{new string('x', 1_100_000)}\"", StringComparison.Ordinal));
        tooLarge.Headers.ExpectContinue = true; // the server refuses on the headers; don't stream a megabyte into a closed socket
        yield return ("start too large", tooLarge, true);

        // 4. Messages, typing, end and events on the active handoff and on ids that don't exist.
        string[] badMessages = ["{}", "{\"text\":\"\"}", "{\"text\":\"   \"}", "{\"text\":5}", "{\"text\":null}", "{\"text\":[\"a\"]}", "{\"id\":5,\"text\":\"x\"}",
            $"{{\"text\":\"{new string('x', 4001)}\"}}", $"{{\"id\":\"{new string('i', 200)}\",\"text\":\"x\"}}", "[]", "\"text\"", "{\"text\":\"x\"", "nonsense", ""];
        foreach (var body in badMessages)
        {
            for (var i = 0; i < 20; i++)
            {
                yield return ($"message {body[..Math.Min(20, body.Length)]} #{i}", Body(HttpMethod.Post, $"/v1/handoffs/{active}/messages", body), true);
            }
        }

        foreach (var id in new[] { "h_missing", "x", new string('h', 300), "..%2F..%2Fetc", "h_01a2%00" })
        {
            yield return ($"get {id}", new HttpRequestMessage(HttpMethod.Get, $"/v1/handoffs/{id}"), true);
            yield return ($"message to {id}", Body(HttpMethod.Post, $"/v1/handoffs/{id}/messages", "{\"text\":\"x\"}"), true);
            yield return ($"typing to {id}", new HttpRequestMessage(HttpMethod.Post, $"/v1/handoffs/{id}/typing"), true);
            yield return ($"end {id}", Body(HttpMethod.Post, $"/v1/handoffs/{id}/end", "{}"), true);
            yield return ($"events of {id}", new HttpRequestMessage(HttpMethod.Get, $"/v1/handoffs/{id}/events"), true);
        }

        foreach (var after in new[] { "abc", "-5", "1.5", "99999999999999999999999", "%00" })
        {
            yield return ($"events after={after}", new HttpRequestMessage(HttpMethod.Get, $"/v1/handoffs/{active}/events?after={after}"), true);
        }

        foreach (var body in new[] { "{\"reason\":5}", "{\"reason\":[]}", $"{{\"reason\":\"{new string('r', 600)}\"}}", "{\"reason\":", "[1]" })
        {
            yield return ($"end {body[..Math.Min(15, body.Length)]}", Body(HttpMethod.Post, $"/v1/handoffs/{active}/end", body), true);
        }

        // 5. Without or with a wrong API key, everything valid is still refused.
        for (var i = 0; i < 40; i++)
        {
            yield return ($"anonymous start #{i}", Body(HttpMethod.Post, "/v1/handoffs", valid), false);
            yield return ($"anonymous message #{i}", Body(HttpMethod.Post, $"/v1/handoffs/{active}/messages", "{\"text\":\"x\"}"), false);
            var wrongKey = Body(HttpMethod.Post, $"/v1/handoffs/{active}/end", "{}");
            wrongKey.Headers.Add("X-Api-Key", $"wrong-key-{i:D4}-0000000000");
            yield return ($"wrong key end #{i}", wrongKey, false);
        }

        // 6. The Genesys webhook: unsigned, badly signed, or not JSON.
        var webhook = $$$"""{"id":"fz","channel":{"id":"x","to":{"id":"{{{active}}}"}},"type":"Text","text":"fuzz"}""";
        for (var i = 0; i < 30; i++)
        {
            yield return ($"webhook unsigned #{i}", Body(HttpMethod.Post, "/channels/genesys/webhook", webhook), false);
            var forged = Body(HttpMethod.Post, "/channels/genesys/webhook", webhook);
            forged.Headers.Add("X-Hub-Signature-256", $"sha256={Convert.ToBase64String(Encoding.UTF8.GetBytes($"forged-{i}"))}");
            yield return ($"webhook forged #{i}", forged, false);
        }

        var huge = Body(HttpMethod.Post, "/channels/genesys/webhook", new string('x', 2_000_000));
        huge.Headers.ExpectContinue = true;
        yield return ("webhook huge", huge, false);
    }

    private static bool IsStillValidStart(string body)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(body);
            // A character swap that keeps valid JSON may still be a valid start (e.g. inside a string value): skip those.
            return true;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }
}
