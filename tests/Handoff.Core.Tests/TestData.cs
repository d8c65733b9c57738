using Handoff.Core.Domain;
using Handoff.Core.Storage;
using Handoff.Testing;

namespace Handoff.Core.Tests;

internal static class TestData
{
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    public static HandoffRecord Handoff(string? id = null, string user = "user-1", string queue = "Support", string client = "bot") => new()
    {
        Id = id ?? $"h_{Guid.NewGuid():N}",
        Client = client,
        Channel = "fake",
        Queue = queue,
        User = new HandoffUser(user, "Maria P.", "Maria", "Perez"),
        Attributes = new Dictionary<string, string> { ["intent"] = "refund" },
        Transcript = [new TranscriptEntry("user", "I want a human", Now.AddMinutes(-1))],
        CreatedAt = Now,
        UpdatedAt = Now,
    };

    /// <summary>Stores a handoff created now, with its start item due now (for dispatchers on the real clock).</summary>
    public static async Task<HandoffRecord> CreateNowAsync(IHandoffStore store, string user)
    {
        var now = DateTimeOffset.UtcNow;
        var h = Handoff(user: user) with { CreatedAt = now, UpdatedAt = now };
        await store.CreateAsync(h, Start(h) with { CreatedAt = now, NextAttemptAt = now }, null, CancellationToken.None);
        return h;
    }

    /// <summary>Queues user message <paramref name="messageId"/> (its text the same) for <paramref name="handoffId"/>, due now.</summary>
    public static Task EnqueueNowAsync(IHandoffStore store, string handoffId, string messageId)
    {
        var now = DateTimeOffset.UtcNow;
        return store.UpdateAsync(handoffId, x => new HandoffUpdate(Transition.Unchanged(x),
            Message(x, messageId, messageId) with { CreatedAt = now, NextAttemptAt = now }), null, CancellationToken.None);
    }

    public static OutboxItem Start(HandoffRecord h) => new() { HandoffId = h.Id, Kind = OutboxKind.Start, CreatedAt = h.CreatedAt, NextAttemptAt = h.CreatedAt };

    public static OutboxItem Message(HandoffRecord h, string messageId, string text) =>
        new() { HandoffId = h.Id, Kind = OutboxKind.Message, MessageId = messageId, Text = text, CreatedAt = h.CreatedAt, NextAttemptAt = h.CreatedAt };

    /// <summary>A store over a fresh database file, deleted on dispose.</summary>
    public sealed class TempStore : IDisposable
    {
        private readonly TempDatabase _database = new("test");

        public TempStore() => Store = Open();

        public string Path => _database.Path;
        public HandoffSignals Signals { get; } = new();
        public SqliteHandoffStore Store { get; private set; }

        /// <summary>The first column of the first row of <paramref name="sql"/>, read straight from the file (what the store wrote).</summary>
        public long Count(string sql) => Convert.ToInt64(Strings(sql)[0], System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>The first column of every row of <paramref name="sql"/> as text, read straight from the file.</summary>
        public List<string> Strings(string sql)
        {
            using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            using var reader = command.ExecuteReader();
            var values = new List<string>();
            while (reader.Read())
            {
                values.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
            }

            return values;
        }

        /// <summary>A second store over the same file, as after a restart or in another replica.</summary>
        public SqliteHandoffStore Open() => new($"Data Source={Path};Pooling=False", Signals);

        public void Dispose()
        {
            Store.Dispose();
            _database.Dispose();
        }
    }
}
