using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Handoff.AppHost.Tests;

/// <summary>A span as exported over OTLP, reduced to what the tests look at.</summary>
public sealed record ReceivedSpan(string Service, string TraceId, string SpanId, string Name, IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// A minimal OTLP/HTTP (protobuf) trace receiver on loopback: the services send it exactly what they would send to the
/// Aspire dashboard, and the test reads it back. Only the few protobuf fields needed are decoded.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    public IReadOnlyCollection<ReceivedSpan> Spans => _spans.ToArray();

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer);
            foreach (var span in OtlpTraceDecoder.Decode(buffer.ToArray()))
            {
                receiver._spans.Enqueue(span);
            }

            return Results.Bytes([], "application/x-protobuf");
        });
        app.MapPost("/v1/{signal}", () => Results.Bytes([], "application/x-protobuf")); // logs, metrics: accepted, ignored
        await app.StartAsync();
        receiver.Endpoint = new Uri(app.Urls.First());
        return receiver;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}

/// <summary>Decodes ExportTraceServiceRequest → ResourceSpans(1) → {Resource(1) → attributes(1); ScopeSpans(2) → Span(2)}.</summary>
internal static class OtlpTraceDecoder
{
    public static IEnumerable<ReceivedSpan> Decode(byte[] body)
    {
        foreach (var resourceSpans in Fields(body).Where(f => f.Number == 1).Select(f => f.Bytes))
        {
            var service = "unknown";
            var scopeSpans = new List<byte[]>();
            foreach (var field in Fields(resourceSpans))
            {
                if (field.Number == 1)
                {
                    var attributes = Attributes(Fields(field.Bytes).Where(f => f.Number == 1).Select(f => f.Bytes));
                    service = attributes.GetValueOrDefault("service.name", service);
                }
                else if (field.Number == 2)
                {
                    scopeSpans.Add(field.Bytes);
                }
            }

            foreach (var span in scopeSpans.SelectMany(s => Fields(s).Where(f => f.Number == 2).Select(f => f.Bytes)))
            {
                var fields = Fields(span).ToList();
                yield return new ReceivedSpan(
                    service,
                    Convert.ToHexStringLower(fields.First(f => f.Number == 1).Bytes),
                    Convert.ToHexStringLower(fields.First(f => f.Number == 2).Bytes),
                    Encoding.UTF8.GetString(fields.FirstOrDefault(f => f.Number == 5).Bytes ?? []),
                    Attributes(fields.Where(f => f.Number == 9).Select(f => f.Bytes)));
            }
        }
    }

    /// <summary>KeyValue { key = 1; AnyValue value = 2 { string_value = 1; bool = 2; int = 3 } }.</summary>
    private static Dictionary<string, string> Attributes(IEnumerable<byte[]> keyValues)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var kv in keyValues)
        {
            string? key = null, value = null;
            foreach (var field in Fields(kv))
            {
                if (field.Number == 1)
                {
                    key = Encoding.UTF8.GetString(field.Bytes);
                }
                else if (field.Number == 2)
                {
                    var any = Fields(field.Bytes).FirstOrDefault();
                    value = any.WireType == 2 ? Encoding.UTF8.GetString(any.Bytes) : any.Varint.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            if (key is not null)
            {
                result[key] = value ?? string.Empty;
            }
        }

        return result;
    }

    private readonly record struct Field(int Number, int WireType, byte[] Bytes, ulong Varint);

    private static IEnumerable<Field> Fields(byte[] data)
    {
        var position = 0;
        while (position < data.Length)
        {
            var tag = ReadVarint(data, ref position);
            var number = (int)(tag >> 3);
            var wireType = (int)(tag & 7);
            switch (wireType)
            {
                case 0:
                    yield return new Field(number, wireType, [], ReadVarint(data, ref position));
                    break;
                case 1:
                    position += 8;
                    yield return new Field(number, wireType, [], 0);
                    break;
                case 2:
                    var length = (int)ReadVarint(data, ref position);
                    yield return new Field(number, wireType, data.AsSpan(position, length).ToArray(), 0);
                    position += length;
                    break;
                case 5:
                    position += 4;
                    yield return new Field(number, wireType, [], 0);
                    break;
                default:
                    throw new InvalidDataException($"Unsupported protobuf wire type {wireType}.");
            }
        }
    }

    private static ulong ReadVarint(byte[] data, ref int position)
    {
        ulong result = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[position++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }
    }
}
