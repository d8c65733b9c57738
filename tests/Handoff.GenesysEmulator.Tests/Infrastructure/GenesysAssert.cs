using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Handoff.GenesysEmulator.Tests.Infrastructure;

internal static class GenesysAssert
{
    /// <summary>Asserts the standard Genesys error body and returns its message.</summary>
    public static async Task<string> ErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        Assert.True(Guid.TryParse(body.GetProperty("contextId").GetString(), out _), "contextId must be a GUID");
        Assert.Equal(JsonValueKind.Array, body.GetProperty("details").ValueKind);
        Assert.Equal(JsonValueKind.Array, body.GetProperty("errors").ValueKind);
        var message = body.GetProperty("message").GetString();
        Assert.False(string.IsNullOrWhiteSpace(message));
        return message!;
    }

    /// <summary>Asserts a ProblemDetails response with the status.</summary>
    public static async Task ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
    }

    /// <summary>The names of a JSON object's properties, for exact-shape checks.</summary>
    public static string[] PropertyNames(JsonElement element) =>
        [.. element.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];
}
