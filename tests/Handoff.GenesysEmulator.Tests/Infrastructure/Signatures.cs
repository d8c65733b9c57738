using System.Security.Cryptography;
using System.Text;
using Handoff.Testing;

namespace Handoff.GenesysEmulator.Tests.Infrastructure;

/// <summary>The receiver's side of fact sheet §5, written independently of the emulator's code.</summary>
internal static class Signatures
{
    public static string Expected(byte[] rawBody, string secret = GenesysEmulatorFixture.WebhookSecret)
    {
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        return "sha256=" + Convert.ToBase64String(hmac.ComputeHash(rawBody));
    }
}
