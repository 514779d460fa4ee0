using System.Text;

namespace ScriptedSip.Testing;

/// <summary>
/// Everything one step (a send, a reply played, a time advance, a reload) caused, in order: what
/// the server sent, which transactions it suspended, what the scripts logged and where they threw.
/// </summary>
public sealed class RouteOutcome
{
    internal RouteOutcome(IReadOnlyList<SentMessage> sent, IReadOnlyList<SuspendedTransaction> suspended, IReadOnlyList<LogLine> log)
    {
        Sent = sent;
        Replies = [.. sent.OfType<SentReply>()];
        Relays = [.. sent.OfType<RelayedRequest>()];
        Suspended = suspended;
        Log = log;
        Xlog = [.. log.Where(l => l.Kind == LogLineKind.Xlog)];
        ScriptErrors = [.. log.Where(l => l.Kind == LogLineKind.ScriptError)];
    }

    /// <summary>Every message the server sent, replies and requests, in order.</summary>
    public IReadOnlyList<SentMessage> Sent { get; }

    /// <summary>Replies the server sent (100 Trying included).</summary>
    public IReadOnlyList<SentReply> Replies { get; }

    /// <summary>Requests the server sent to next hops (its own hop-by-hop ACKs and CANCELs included).</summary>
    public IReadOnlyList<RelayedRequest> Relays { get; }

    /// <summary>Transactions that became suspended or started awaiting in this step and still are.</summary>
    public IReadOnlyList<SuspendedTransaction> Suspended { get; }

    /// <summary>Every log line of the server in this step.</summary>
    public IReadOnlyList<LogLine> Log { get; }

    /// <summary>The scripts' <c>Xlog</c> lines.</summary>
    public IReadOnlyList<LogLine> Xlog { get; }

    /// <summary>Routes that threw (the server logs each with its script file and line).</summary>
    public IReadOnlyList<LogLine> ScriptErrors { get; }

    /// <summary>Nothing was sent and nothing waits: the message was dropped (by <c>Drop()</c>, a route that did nothing, or the core).</summary>
    public bool Dropped => Sent.Count == 0 && Suspended.Count == 0;

    /// <summary>The one reply other than 100 Trying; throws (describing the step) when there is not exactly one.</summary>
    public SentReply Reply => Single(Replies.Where(r => r.Status != 100), "reply other than 100 Trying");

    /// <summary>The one request relayed; throws (describing the step) when there is not exactly one.</summary>
    public RelayedRequest Relay => Single(Relays, "relayed request");

    /// <summary>The one relayed request of <paramref name="method"/> (e.g. the next INVITE beside the server's own ACK).</summary>
    public RelayedRequest RelayOf(string method) => Single(Relays.Where(r => string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase)), method + " relayed");

    /// <summary>The one reply with <paramref name="status"/>.</summary>
    public SentReply ReplyOf(int status) => Single(Replies.Where(r => r.Status == status), $"reply {status}");

    /// <summary>The one suspended transaction; throws when there is not exactly one.</summary>
    public SuspendedTransaction Suspension => Single(Suspended, "suspended transaction");

    /// <summary>One line per thing that happened: for assertion messages.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var message in Sent)
        {
            text.Append("sent ").AppendLine(message.ToString());
        }

        foreach (var suspended in Suspended)
        {
            text.Append("suspended ").AppendLine(suspended.ToString());
        }

        foreach (var line in Log)
        {
            text.Append("log ").AppendLine(line.ToString());
        }

        return text.Length == 0 ? "nothing happened" : text.ToString();
    }

    private T Single<T>(IEnumerable<T> items, string what)
    {
        var list = items.ToList();
        return list.Count == 1
            ? list[0]
            : throw new RouteTestException($"expected exactly one {what}, found {list.Count}; this step:{Environment.NewLine}{this}");
    }
}
