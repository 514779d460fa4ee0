using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace ScriptedSip.Plugins.Registrar;

/// <summary>
/// One journal file shared by every loaded version of this plugin in the process. A live reload
/// runs two versions side by side for a moment (the old one serves the messages of the script
/// version compiled against it until they drain), and each keeps its own table: without
/// coordination both would write the file at their own positions and the new one would miss what
/// the old one saved. So the open file, its lock and the versions' inboxes live in the process-wide
/// AppDomain data under the file's path — only runtime types there, because each plugin version
/// has its own load context and its own copies of this plugin's types. Every record written goes
/// through the one stream under the one lock and is posted to the other versions' inboxes (never
/// applied directly: that would take another version's table lock while holding ours).
/// </summary>
internal static class JournalHub
{
    private const string Key = "ScriptedSip.Plugins.Registrar.JournalHub";
    private static readonly object Creation = new();

    /// <summary>The shared entry of one journal: its lock, the stream, the versions' inbox posters.</summary>
    internal sealed class Entry(Tuple<object, FileStream, ConcurrentDictionary<Guid, Action<byte[]>>, StrongBox<int>> shared)
    {
        public object Lock => shared.Item1;

        public FileStream Stream => shared.Item2;

        public ConcurrentDictionary<Guid, Action<byte[]>> Subscribers => shared.Item3;
    }

    /// <summary>
    /// Opens (or joins) the journal at <paramref name="path"/>. <paramref name="first"/> is true for
    /// the first user in this process: only it may cut off a damaged tail (a crash's leftover);
    /// a later one finds a file another version is writing.
    /// </summary>
    public static Entry Join(string path, out bool first)
    {
        var hub = Hub();
        lock (hub)
        {
            if (hub.TryGetValue(path, out var existing))
            {
                var entry = (Tuple<object, FileStream, ConcurrentDictionary<Guid, Action<byte[]>>, StrongBox<int>>)existing;
                entry.Item4.Value++;
                first = false;
                return Wrap(entry);
            }

            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 4096, FileOptions.None);
            var created = Tuple.Create(new object(), stream, new ConcurrentDictionary<Guid, Action<byte[]>>(), new StrongBox<int>(1));
            hub[path] = created;
            first = true;
            return Wrap(created);
        }
    }

    /// <summary>Leaves the journal; the last user closes the file.</summary>
    public static void Leave(string path, Guid subscriber)
    {
        var hub = Hub();
        lock (hub)
        {
            if (!hub.TryGetValue(path, out var existing))
            {
                return;
            }

            var entry = (Tuple<object, FileStream, ConcurrentDictionary<Guid, Action<byte[]>>, StrongBox<int>>)existing;
            entry.Item3.TryRemove(subscriber, out _);
            if (--entry.Item4.Value == 0)
            {
                hub.Remove(path);
                lock (entry.Item1)
                {
                    entry.Item2.Flush(flushToDisk: true);
                    entry.Item2.Dispose();
                }
            }
        }
    }

    private static Entry Wrap(Tuple<object, FileStream, ConcurrentDictionary<Guid, Action<byte[]>>, StrongBox<int>> entry) => new(entry);

    private static Dictionary<string, object> Hub()
    {
        lock (Creation)
        {
            // AppDomain data is process-wide, across load contexts; the value is a runtime type.
            if (AppDomain.CurrentDomain.GetData(Key) is not Dictionary<string, object> hub)
            {
                hub = new Dictionary<string, object>(StringComparer.Ordinal);
                AppDomain.CurrentDomain.SetData(Key, hub);
            }

            return hub;
        }
    }
}
