using Microsoft.Extensions.Options;

namespace Handoff.Api;

/// <summary>Section <c>Handoff</c>.</summary>
public sealed class HandoffOptions
{
    public const string SectionName = "Handoff";

    /// <summary><c>Handoff:ApiKeys:&lt;client&gt;</c> = key. The client name is recorded on each handoff it starts.</summary>
    public Dictionary<string, string> ApiKeys { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Longest user message text accepted (characters). Genesys agents see up to 4,000.</summary>
    public int MaxTextLength { get; set; } = 4000;

    /// <summary>Most transcript entries accepted when starting a handoff.</summary>
    public int MaxTranscriptEntries { get; set; } = 200;

    /// <summary>Most attributes accepted when starting a handoff.</summary>
    public int MaxAttributes { get; set; } = 50;

    /// <summary>Most attachments accepted on one user message.</summary>
    public int MaxAttachments { get; set; } = 10;

    /// <summary>Largest attachment accepted, in bytes, when the bot declares its <c>size</c> (default 25 MB, Genesys' limit).</summary>
    public long MaxAttachmentBytes { get; set; } = 25L * 1024 * 1024;
}

internal sealed class HandoffOptionsValidator(IHostEnvironment environment) : IValidateOptions<HandoffOptions>
{
    public ValidateOptionsResult Validate(string? name, HandoffOptions options)
    {
        var errors = new List<string>();
        var keys = options.ApiKeys.Where(k => !string.IsNullOrWhiteSpace(k.Value)).ToList();
        if (keys.Count == 0 && !environment.IsDevelopment())
        {
            errors.Add("No API key is configured. Set at least one Handoff:ApiKeys:<client> (e.g. the environment variable Handoff__ApiKeys__aivo).");
        }

        foreach (var (client, key) in keys)
        {
            if (key.Length < 16)
            {
                errors.Add($"Handoff:ApiKeys:{client} is too short: use at least 16 characters.");
            }
        }

        if (keys.GroupBy(k => k.Value, StringComparer.Ordinal).Any(g => g.Count() > 1))
        {
            errors.Add("Two clients in Handoff:ApiKeys share the same key: give each client its own.");
        }

        if (options.MaxTextLength is < 1 or > 100_000)
        {
            errors.Add("Handoff:MaxTextLength must be between 1 and 100000.");
        }

        if (options.MaxAttachments is < 0 or > 100)
        {
            errors.Add("Handoff:MaxAttachments must be between 0 and 100.");
        }

        if (options.MaxAttachmentBytes < 1)
        {
            errors.Add("Handoff:MaxAttachmentBytes must be positive.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
