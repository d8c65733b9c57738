using System.Security.Cryptography;
using System.Text;

namespace Handoff.Channels.Genesys.Tests;

public sealed class GenesysWebhookSignatureTests
{
    private const string Secret = "a-webhook-secret-longer-than-15";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"id":"9a8b","type":"Text","text":"Hola, ¿en qué puedo ayudar?"}""");

    // Computed independently of the code under test: sha256= + standard padded base64 of HMAC-SHA256(UTF-8 secret, raw body).
    private static string GenesysSignature(byte[] body, string secret) =>
        "sha256=" + Convert.ToBase64String(new HMACSHA256(Encoding.UTF8.GetBytes(secret)).ComputeHash(body));

    [Fact]
    public void Valid_signature_over_the_raw_body_is_accepted()
    {
        Assert.Equal(SignatureCheck.Valid, GenesysWebhookSignature.Verify(Body, GenesysSignature(Body, Secret), Secret));
    }

    [Fact]
    public void Compute_matches_the_genesys_format()
    {
        var value = GenesysWebhookSignature.Compute(Body, Secret);
        Assert.Equal(GenesysSignature(Body, Secret), value);
        Assert.StartsWith("sha256=", value, StringComparison.Ordinal);
        Assert.EndsWith("=", value, StringComparison.Ordinal); // 32 bytes → padded base64
    }

    [Fact]
    public void Altered_body_is_rejected()
    {
        var signature = GenesysSignature(Body, Secret);
        var altered = (byte[])Body.Clone();
        altered[^2] ^= 0x01;
        Assert.Equal(SignatureCheck.Invalid, GenesysWebhookSignature.Verify(altered, signature, Secret));
    }

    [Fact]
    public void Reserialised_json_with_different_whitespace_is_rejected()
    {
        var signature = GenesysSignature(Body, Secret);
        var reformatted = Encoding.UTF8.GetBytes("""{ "id": "9a8b", "type": "Text", "text": "Hola, ¿en qué puedo ayudar?" }""");
        Assert.Equal(SignatureCheck.Invalid, GenesysWebhookSignature.Verify(reformatted, signature, Secret));
    }

    [Fact]
    public void Wrong_secret_is_rejected()
    {
        Assert.Equal(SignatureCheck.Invalid, GenesysWebhookSignature.Verify(Body, GenesysSignature(Body, "another-secret-0123456789"), Secret));
    }

    [Fact]
    public void Hex_digest_instead_of_base64_is_rejected()
    {
        var hex = "sha256=" + Convert.ToHexString(new HMACSHA256(Encoding.UTF8.GetBytes(Secret)).ComputeHash(Body)).ToLowerInvariant();
        Assert.Equal(SignatureCheck.Invalid, GenesysWebhookSignature.Verify(Body, hex, Secret));
    }

    [Fact]
    public void Missing_prefix_is_rejected()
    {
        var bare = GenesysSignature(Body, Secret)["sha256=".Length..];
        Assert.Equal(SignatureCheck.Invalid, GenesysWebhookSignature.Verify(Body, bare, Secret));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Missing_header_is_reported_as_missing(string? header)
    {
        Assert.Equal(SignatureCheck.Missing, GenesysWebhookSignature.Verify(Body, header, Secret));
    }
}
