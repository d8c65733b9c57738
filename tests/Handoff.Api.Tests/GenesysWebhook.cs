using System.Security.Cryptography;
using System.Text;
using Handoff.Testing;

namespace Handoff.Api.Tests;

/// <summary>Posts to Handoff's Genesys webhook as Genesys does: signed with the integration's secret.</summary>
internal static class GenesysWebhook
{
    /// <param name="tamper">Alters the body after signing it (a "password" in it becomes "passw0rd").</param>
    /// <param name="hexDigest">Signs with a hex digest instead of Genesys' base64.</param>
    public static Task<HttpResponseMessage> PostSignedAsync(HttpClient client, string body, string secret, bool tamper = false, bool hexDigest = false)
    {
        var digest = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body));
        var signature = "sha256=" + (hexDigest ? Convert.ToHexStringLower(digest) : Convert.ToBase64String(digest));
        var content = new StringContent(tamper ? body.Replace("password", "passw0rd", StringComparison.Ordinal) : body, Encoding.UTF8, "application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/channels/genesys/webhook") { Content = content };
        request.Headers.Add("X-Hub-Signature-256", signature);
        return client.SendAsync(request);
    }

    /// <summary>A receipt body (on the Support integration) for the user message <paramref name="messageId"/> of a handoff.</summary>
    /// <param name="status"><c>Delivered</c>, <c>Failed</c>, …</param>
    public static string Receipt(string receiptId, string handoffId, string messageId, string status) =>
        $$$"""{"id":"{{{receiptId}}}","channel":{"id":"{{{GenesysEmulatorFixture.SupportIntegrationId}}}","platform":"Open","type":"Private","messageId":"{{{messageId}}}","time":"2026-11-25T10:00:00.000Z","to":{"id":"{{{handoffId}}}","idType":"Opaque"},"from":{"id":"x","idType":"Opaque","nickname":"Support"}},"type":"Receipt","status":"{{{status}}}","isFinalReceipt":true,"direction":"Outbound"}""";
}
