using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;

namespace ScriptedSip.Plugins.Registrar;

/// <summary>
/// The location table on disk: <c>snapshot.json</c> (the whole table at one moment) plus
/// <c>journal.bin</c>, an append-only list of records written since — each the complete set of
/// bindings of one address-of-record after a change, framed as length (4 bytes), checksum
/// (4 bytes, FNV-1a of the payload) and JSON payload. Loading replays the journal over the
/// snapshot; the last record of an address-of-record wins. A crash in the middle of an append
/// leaves a short or corrupt last record: it is ignored, counted (<see cref="TruncatedRecords"/>),
/// logged, and cut off so appends go on after the last good one.
/// </summary>
internal sealed partial class JournalStore : ILocationStore
{
    private const int HeaderSize = 8;
    private const int MaxRecord = 16 * 1024 * 1024;
    private readonly string _snapshotPath;
    private readonly string _journalPath;
    private readonly FsyncPolicy _fsync;
    private readonly ILogger _logger;
    private readonly Guid _id = Guid.NewGuid();
    private readonly System.Collections.Concurrent.ConcurrentQueue<byte[]> _inbox = new();
    private JournalHub.Entry? _hub;
    private bool _dirty;

    public JournalStore(string folder, FsyncPolicy fsync, ILogger logger)
    {
        Directory.CreateDirectory(folder);
        _snapshotPath = Path.Combine(folder, "snapshot.json");
        _journalPath = Path.GetFullPath(Path.Combine(folder, "journal.bin"));
        _fsync = fsync;
        _logger = logger;
    }

    /// <summary>Damaged records found at the end of the journal when it was loaded.</summary>
    public int TruncatedRecords { get; private set; }

    public IReadOnlyDictionary<string, IReadOnlyList<Binding>> Load()
    {
        var table = new Dictionary<string, IReadOnlyList<Binding>>(StringComparer.Ordinal);
        var hub = JournalHub.Join(_journalPath, out var first);
        _hub = hub;

        // A live reload: the serving version takes the journal's lock for every save, and a whole
        // replay (tens of thousands of records since the last snapshot, with a JSON reader still cold
        // in this load context) took longer than a REGISTER retransmission interval. So the snapshot
        // and the journal up to its last complete record are read without the lock; under it only
        // the records written meanwhile — unless the serving version compacted in between (a new
        // snapshot), then everything is read again under the lock.
        long from = 0;
        var stamp = SnapshotStamp();
        if (!first)
        {
            ReadSnapshot(table);
            using var reader = new FileStream(_journalPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            from = Replay(reader, table, 0);
        }

        lock (hub.Lock)
        {
            if (first || SnapshotStamp() != stamp || from > hub.Stream.Length)
            {
                table.Clear();
                ReadSnapshot(table);
                from = 0;
            }

            var journal = hub.Stream;
            var goodEnd = Replay(journal, table, Math.Min(from, journal.Length));
            if (goodEnd < journal.Length && first)
            {
                // Only the first user in the process may cut: a later one (a live reload) reads a file
                // the other version writes through this same stream, so nothing of it is half-written.
                TruncatedRecords++;
                LogTruncated(_logger, _journalPath, journal.Length - goodEnd, goodEnd);
                journal.SetLength(goodEnd);
                journal.Flush(flushToDisk: true);
            }

            journal.Seek(0, SeekOrigin.End);
            hub.Subscribers[_id] = _inbox.Enqueue; // from now on the other versions' records reach us
        }

        return table;
    }

    /// <summary>What tells one snapshot from the next: a compaction renames a new file into place.</summary>
    private (bool Exists, long Length, DateTime Written) SnapshotStamp()
    {
        var file = new FileInfo(_snapshotPath);
        return file.Exists ? (true, file.Length, file.LastWriteTimeUtc) : (false, 0, default);
    }

    private void ReadSnapshot(Dictionary<string, IReadOnlyList<Binding>> table)
    {
        if (!File.Exists(_snapshotPath))
        {
            return;
        }

        var snapshot = JsonSerializer.Deserialize(File.ReadAllBytes(_snapshotPath), LocationJson.Default.ListAorRecord) ?? [];
        foreach (var record in snapshot)
        {
            table[record.Aor] = record.Bindings;
        }
    }

    /// <summary>Reads records from <paramref name="from"/> (a record boundary) until the end or the first damaged one; returns the offset after the last good record.</summary>
    private static long Replay(FileStream journal, Dictionary<string, IReadOnlyList<Binding>> table, long from)
    {
        journal.Position = from;
        Span<byte> header = stackalloc byte[HeaderSize];
        var goodEnd = from;
        while (true)
        {
            if (journal.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false) < HeaderSize)
            {
                return goodEnd;
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(header);
            var checksum = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
            if (length is <= 0 or > MaxRecord || journal.Length - journal.Position < length)
            {
                return goodEnd;
            }

            var payload = new byte[length];
            journal.ReadExactly(payload);
            if (Fnv1a(payload) != checksum)
            {
                return goodEnd;
            }

            AorRecord? record;
            try
            {
                record = JsonSerializer.Deserialize(payload, LocationJson.Default.AorRecord);
            }
            catch (JsonException)
            {
                return goodEnd;
            }

            if (record is null)
            {
                return goodEnd;
            }

            if (record.Bindings.Count == 0)
            {
                table.Remove(record.Aor);
            }
            else
            {
                table[record.Aor] = record.Bindings;
            }

            goodEnd = journal.Position;
        }
    }

    public void Write(string aor, IReadOnlyList<Binding> bindings)
    {
        var hub = _hub ?? throw new InvalidOperationException("Load was not called.");
        var payload = JsonSerializer.SerializeToUtf8Bytes(new AorRecord(aor, [.. bindings]), LocationJson.Default.AorRecord);
        var frame = new byte[HeaderSize + payload.Length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), Fnv1a(payload));
        payload.CopyTo(frame, HeaderSize);

        lock (hub.Lock)
        {
            // One write call per record, straight to the kernel (FileStream's buffer is bypassed by Flush):
            // once Write returns, a crash of this process cannot lose the record.
            hub.Stream.Write(frame);
            hub.Stream.Flush(flushToDisk: _fsync == FsyncPolicy.Always);
            _dirty = _fsync == FsyncPolicy.Interval;
            foreach (var (id, post) in hub.Subscribers)
            {
                if (id != _id)
                {
                    post(payload); // another loaded version of the plugin (a live reload in progress)
                }
            }
        }
    }

    /// <summary>Applies what other loaded versions of the plugin wrote since the last call (in their order).</summary>
    public void ApplyForeign(Action<string, IReadOnlyList<Binding>> apply)
    {
        ArgumentNullException.ThrowIfNull(apply);
        while (_inbox.TryDequeue(out var payload))
        {
            var record = JsonSerializer.Deserialize(payload, LocationJson.Default.AorRecord);
            if (record is not null)
            {
                apply(record.Aor, record.Bindings);
            }
        }
    }

    public void Snapshot(IReadOnlyDictionary<string, IReadOnlyList<Binding>> table)
    {
        var hub = _hub ?? throw new InvalidOperationException("Load was not called.");
        lock (hub.Lock)
        {
            // Under the journal's lock: no other version appends between the snapshot and the cut.
            // Their tables hold everything ours does (every record is posted to every version).
            WriteSnapshot(table, hub.Stream);
        }
    }

    private void WriteSnapshot(IReadOnlyDictionary<string, IReadOnlyList<Binding>> table, FileStream journal)
    {
        // A sized list, not LINQ's ToList: that rents from ArrayPool<AorRecord>.Shared, a pool with
        // thread-local parts for a type of this plugin's (collectible) load context, and a soak run
        // with live reloads once died inside it (NullReferenceException in the pool's growth path).
        var records = new List<AorRecord>(table.Count);
        foreach (var (aor, bindings) in table)
        {
            records.Add(new AorRecord(aor, [.. bindings]));
        }

        var temp = _snapshotPath + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(file, records, LocationJson.Default.ListAorRecord);
            file.Flush(flushToDisk: true);
        }

        // The rename is atomic: a crash leaves the old snapshot plus the whole journal, or the new one
        // plus a journal whose records it already contains (replaying them again changes nothing).
        File.Move(temp, _snapshotPath, overwrite: true);
        journal.SetLength(0);
        journal.Position = 0;
        journal.Flush(flushToDisk: true);
        _dirty = false;
    }

    public void Flush()
    {
        if (_dirty && _hub is { } hub)
        {
            lock (hub.Lock)
            {
                hub.Stream.Flush(flushToDisk: true);
            }

            _dirty = false;
        }
    }

    public void Dispose()
    {
        if (_hub is not null)
        {
            JournalHub.Leave(_journalPath, _id); // the last user flushes and closes the file
            _hub = null;
        }
    }

    internal static uint Fnv1a(ReadOnlySpan<byte> data)
    {
        var hash = 2166136261u;
        foreach (var b in data)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash;
    }

    [LoggerMessage(EventId = 7101, Level = LogLevel.Warning, Message = "Registrar journal {Path}: the last record is incomplete or damaged ({Bytes} bytes after offset {Offset}, a crash during a write); it is ignored and cut off")]
    private static partial void LogTruncated(ILogger logger, string path, long bytes, long offset);
}

/// <summary>One journal record / snapshot entry: an address-of-record and all its bindings.</summary>
internal sealed record AorRecord(string Aor, List<Binding> Bindings);

[JsonSerializable(typeof(AorRecord))]
[JsonSerializable(typeof(List<AorRecord>))]
internal sealed partial class LocationJson : JsonSerializerContext;
