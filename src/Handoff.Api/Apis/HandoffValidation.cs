using System.Net.Mail;

namespace Handoff.Api.Apis;

/// <summary>Validates request bodies and lists every problem per field, as ValidationProblemDetails <c>errors</c>.</summary>
internal static class HandoffValidation
{
    private const int MaxIdLength = 128;
    private const int MaxNameLength = 256;
    private const int MaxAttributeKeyLength = 128;
    private const int MaxAttributeValueLength = 2048;
    private const int MaxReasonLength = 512;

    public static Dictionary<string, string[]> Validate(StartHandoffRequest? request, HandoffOptions options)
    {
        var errors = new Errors();
        if (request is null)
        {
            errors.Add("body", "A JSON body is required.");
            return errors.ToDictionary();
        }

        errors.Required("channel", request.Channel, MaxNameLength);
        errors.Required("queue", request.Queue, MaxNameLength);
        if (request.User is null)
        {
            errors.Add("user", "The user is required.");
        }
        else
        {
            errors.Required("user.id", request.User.Id, MaxIdLength);
            errors.Optional("user.nickname", request.User.Nickname, MaxNameLength);
            errors.Optional("user.firstName", request.User.FirstName, MaxNameLength);
            errors.Optional("user.lastName", request.User.LastName, MaxNameLength);
            if (errors.Optional("user.email", request.User.Email, MaxNameLength) && request.User.Email is { Length: > 0 } email && !MailAddress.TryCreate(email, out _))
            {
                errors.Add("user.email", "Not a valid email address.");
            }
        }

        if (request.CallbackUrl is { } callback && !IsHttpUrl(callback))
        {
            errors.Add("callbackUrl", "Must be an absolute http or https URL.");
        }

        if (request.Transcript is { } transcript)
        {
            if (transcript.Count > options.MaxTranscriptEntries)
            {
                errors.Add("transcript", $"At most {options.MaxTranscriptEntries} entries.");
            }

            for (var i = 0; i < Math.Min(transcript.Count, options.MaxTranscriptEntries); i++)
            {
                var line = transcript[i];
                if (line is null)
                {
                    errors.Add($"transcript[{i}]", "An entry is required.");
                    continue;
                }

                if (line.From is not ("user" or "bot"))
                {
                    errors.Add($"transcript[{i}].from", "Must be 'user' or 'bot'.");
                }

                errors.Required($"transcript[{i}].text", line.Text, options.MaxTextLength);
            }
        }

        if (request.Attributes is { } attributes)
        {
            if (attributes.Count > options.MaxAttributes)
            {
                errors.Add("attributes", $"At most {options.MaxAttributes} attributes.");
            }

            foreach (var (key, value) in attributes)
            {
                if (string.IsNullOrWhiteSpace(key) || key.Length > MaxAttributeKeyLength)
                {
                    errors.Add("attributes", $"Attribute names must be 1 to {MaxAttributeKeyLength} characters.");
                }
                else if (value is null)
                {
                    errors.Add($"attributes.{key}", "A string value is required.");
                }
                else if (value.Length > MaxAttributeValueLength)
                {
                    errors.Add($"attributes.{key}", $"At most {MaxAttributeValueLength} characters.");
                }
            }
        }

        return errors.ToDictionary();
    }

    public static Dictionary<string, string[]> Validate(SendMessageRequest? request, HandoffOptions options)
    {
        var errors = new Errors();
        if (request is null)
        {
            errors.Add("body", "A JSON body is required.");
            return errors.ToDictionary();
        }

        errors.Optional("id", request.Id, MaxIdLength);
        if (request.Attachments is { Count: > 0 } attachments)
        {
            errors.Optional("text", request.Text, options.MaxTextLength);
            ValidateAttachments(errors, attachments, options);
        }
        else
        {
            errors.Required("text", request.Text, options.MaxTextLength);
        }

        return errors.ToDictionary();
    }

    /// <summary>The media types an attachment may declare (lower case in the API; any case accepted).</summary>
    public static readonly IReadOnlyList<string> MediaTypes = ["image", "video", "audio", "file", "link"];

    private static void ValidateAttachments(Errors errors, List<AttachmentDto> attachments, HandoffOptions options)
    {
        if (attachments.Count > options.MaxAttachments)
        {
            errors.Add("attachments", $"At most {options.MaxAttachments} attachments per message.");
            return;
        }

        for (var i = 0; i < attachments.Count; i++)
        {
            var field = $"attachments[{i}]";
            var attachment = attachments[i];
            if (attachment is null)
            {
                errors.Add(field, "An attachment is required.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(attachment.Url))
            {
                errors.Add($"{field}.url", "The field is required.");
            }
            else if (!IsHttpUrl(attachment.Url))
            {
                errors.Add($"{field}.url", "Must be an absolute http or https URL of at most 2048 characters.");
            }

            if (attachment.MediaType is { } mediaType && !MediaTypes.Contains(mediaType.Trim().ToLowerInvariant()))
            {
                errors.Add($"{field}.mediaType", $"Must be one of: {string.Join(", ", MediaTypes)}.");
            }

            if (attachment.Mime is { } mime && (mime.Length > MaxNameLength || !mime.Contains('/', StringComparison.Ordinal)))
            {
                errors.Add($"{field}.mime", "Must be a MIME type such as image/png.");
            }

            errors.Optional($"{field}.filename", attachment.Filename, MaxNameLength);
            if (attachment.Size is { } size && (size < 0 || size > options.MaxAttachmentBytes))
            {
                errors.Add($"{field}.size", $"Attachments may be at most {options.MaxAttachmentBytes} bytes ({options.MaxAttachmentBytes / (1024 * 1024)} MB).");
            }
        }
    }

    /// <summary>The validated attachments in domain form: trimmed, media type lower case (guessed from the MIME type when absent).</summary>
    public static IReadOnlyList<Handoff.Core.Domain.MessageAttachment> ToDomain(List<AttachmentDto>? attachments) =>
        attachments is null
            ? []
            : attachments.Select(a => new Handoff.Core.Domain.MessageAttachment(
                a.Url!.Trim(),
                a.MediaType?.Trim().ToLowerInvariant() ?? GuessMediaType(a.Mime),
                string.IsNullOrWhiteSpace(a.Mime) ? null : a.Mime.Trim(),
                string.IsNullOrWhiteSpace(a.Filename) ? null : a.Filename.Trim(),
                a.Size)).ToArray();

    private static string GuessMediaType(string? mime) => mime?.Trim().ToLowerInvariant() switch
    {
        { } m when m.StartsWith("image/", StringComparison.Ordinal) => "image",
        { } m when m.StartsWith("video/", StringComparison.Ordinal) => "video",
        { } m when m.StartsWith("audio/", StringComparison.Ordinal) => "audio",
        _ => "file",
    };

    public static Dictionary<string, string[]> Validate(EndHandoffRequest? request)
    {
        var errors = new Errors();
        errors.Optional("reason", request?.Reason, MaxReasonLength);
        return errors.ToDictionary();
    }

    internal static bool IsHttpUrl(string value) =>
        value.Length <= 2048 && Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    private sealed class Errors
    {
        private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

        public void Add(string field, string message)
        {
            if (!_errors.TryGetValue(field, out var list))
            {
                _errors[field] = list = [];
            }

            list.Add(message);
        }

        public bool Required(string field, string? value, int maxLength)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                Add(field, "The field is required.");
                return false;
            }

            return Optional(field, value, maxLength);
        }

        public bool Optional(string field, string? value, int maxLength)
        {
            if (value is not null && value.Length > maxLength)
            {
                Add(field, $"At most {maxLength} characters.");
                return false;
            }

            return true;
        }

        public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
    }
}
