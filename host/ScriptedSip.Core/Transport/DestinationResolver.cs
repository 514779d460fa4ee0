using System.Collections.Concurrent;
using System.Net;
using System.Text;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Transport.ServerLocation;

namespace ScriptedSip.Core.Transport;

/// <summary>
/// Turns the host and port of a SIP URI into the addresses to try. IP literals never touch DNS. A
/// host name is located by RFC 3263 (<see cref="IServerLocator"/>: NAPTR → SRV → A/AAAA without port
/// and transport, SRV → A/AAAA without port, A/AAAA with a port) and the answer is cached by its TTL
/// (a negative answer by its SOA minimum). A lookup never runs on the caller's thread: a name not
/// cached yet gives <see cref="DestinationStatus.Pending"/> with the task that will answer (one per
/// name, however many ask), and the stateful relay waits for it off the worker.
/// </summary>
public sealed class DestinationResolver
{
    /// <summary>Beyond this many cached names, expired entries are swept and new answers are not kept until there is room.</summary>
    private const int MaxCachedNames = 10000;

    private readonly ConcurrentDictionary<string, (LocatedServers Answer, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task<LocatedServers>> _inFlight = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly IServerLocator _locator;
    private readonly SipCounters? _counters;
    private readonly Random _random;
    private readonly Lock _randomGate = new();

    /// <summary>A resolver whose host names come from <paramref name="lookup"/> (A/AAAA only; default: the system resolver).</summary>
    public DestinationResolver(TimeProvider time, IHostNameLookup? lookup = null)
        : this(time, new HostNameLookupLocator(lookup ?? SystemHostNameLookup.Instance))
    {
    }

    /// <param name="random">Draws the RFC 2782 weighted order; tests pass a seeded one.</param>
    public DestinationResolver(TimeProvider time, IServerLocator locator, SipCounters? counters = null, Random? random = null)
    {
        _time = time;
        _locator = locator;
        _counters = counters;
        _random = random ?? new Random();
    }

    /// <summary>Resolves a URI (<c>sip:user@host:port;maddr=...</c>, or plain <c>host[:port]</c>) into an endpoint.</summary>
    public bool TryResolve(ReadOnlySpan<byte> uriText, out IPEndPoint? endpoint, out string error) =>
        TryResolve(uriText, out endpoint, out _, out error);

    /// <summary>
    /// Resolves a URI into the next hop without waiting: its first address and the transport the URI
    /// asks for (<c>;transport=</c>, or TLS for <c>sips:</c>; null when it names none). A name not in
    /// the cache is looked up in the background and fails this time ("being looked up"): the paths
    /// that use this (stateless forwarding, replies by Via, local requests) go out on the next try.
    /// </summary>
    public bool TryResolve(ReadOnlySpan<byte> uriText, out IPEndPoint? endpoint, out HopTransport hop, out string error)
    {
        var found = Locate(uriText);
        hop = found.Hop;
        error = found.Error;
        endpoint = found.Status == DestinationStatus.Resolved ? found.Targets[0].EndPoint : null;
        return endpoint is not null;
    }

    /// <summary>
    /// Every address to try for a URI, in order (RFC 3263 and RFC 2782), or the lookup still under way,
    /// or why it cannot be resolved. Never blocks.
    /// </summary>
    public DestinationLookup Locate(ReadOnlySpan<byte> uriText)
    {
        if (!TryParse(uriText, out var hop, out var literal, out var request, out var error))
        {
            return DestinationLookup.Failed(hop, error, isName: false);
        }

        if (literal is not null)
        {
            return DestinationLookup.Literal(hop, new ServerTarget(literal, hop.Named));
        }

        if (_cache.TryGetValue(request.Key, out var cached) && cached.Expires > _time.GetUtcNow())
        {
            _counters?.Increment(SipCounter.DnsCacheHits);
            return Answer(hop, cached.Answer);
        }

        // The task is in the table before the lookup starts, so the lookup's end always finds and removes it.
        var mine = new TaskCompletionSource<LocatedServers>(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = _inFlight.GetOrAdd(request.Key, mine.Task);
        if (task == mine.Task)
        {
            _ = LookUpAsync(request, mine);
        }

        if (task.IsCompleted)
        {
            return Answer(hop, task.Result); // answered at once (the kit's table)
        }

        return DestinationLookup.Waiting(hop, task);
    }

    /// <summary>The addresses of a finished lookup (<see cref="DestinationLookup.Pending"/>), in a fresh weighted order.</summary>
    public DestinationLookup Answer(HopTransport hop, LocatedServers answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (!answer.Resolved)
        {
            return DestinationLookup.Failed(hop, answer.Error!, isName: true);
        }

        List<ServerTarget> targets;
        lock (_randomGate)
        {
            targets = answer.Targets(_random);
        }

        return DestinationLookup.Found(hop, targets);
    }

    private async Task LookUpAsync(LocateRequest request, TaskCompletionSource<LocatedServers> completion)
    {
        LocatedServers answer;
        try
        {
            answer = await _locator.LocateAsync(request, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // a resolver fault must become an unresolvable name, never an unobserved task
        catch (Exception ex)
#pragma warning restore CA1031
        {
            answer = LocatedServers.Unresolvable($"cannot resolve '{request.Host}': {ex.Message}", TimeSpan.Zero, 0);
        }

        _counters?.Add(SipCounter.DnsQueries, answer.Queries);
        if (!answer.Resolved)
        {
            _counters?.Increment(SipCounter.DnsFailures);
        }

        if (answer.TimeToLive > TimeSpan.Zero)
        {
            Remember(request.Key, answer);
        }

        _inFlight.TryRemove(new KeyValuePair<string, Task<LocatedServers>>(request.Key, completion.Task));
        completion.SetResult(answer);
    }

    private void Remember(string key, LocatedServers answer)
    {
        var now = _time.GetUtcNow();
        if (_cache.Count >= MaxCachedNames)
        {
            foreach (var entry in _cache)
            {
                if (entry.Value.Expires <= now)
                {
                    _cache.TryRemove(entry.Key, out _);
                }
            }

            if (_cache.Count >= MaxCachedNames)
            {
                return;
            }
        }

        _cache[key] = (answer, now + answer.TimeToLive);
    }

    private static bool TryParse(ReadOnlySpan<byte> uriText, out HopTransport hop, out IPEndPoint? literal, out LocateRequest request, out string error)
    {
        hop = default;
        literal = null;
        request = default;
        ReadOnlySpan<byte> text = uriText.Trim(" \t<>"u8);
        if (text.IndexOf((byte)':') < 0 || !(text.StartsWith("sip:"u8) || text.StartsWith("sips:"u8) || text.StartsWith("SIP:"u8)))
        {
            // host[:port] as a shortcut for Forward("10.0.0.1:5070")
            var rented = new byte[text.Length + 4];
            "sip:"u8.CopyTo(rented);
            text.CopyTo(rented.AsSpan(4));
            text = rented;
        }

        if (!SipUriParser.TryParse(text, out var uri) || uri.Host.IsEmpty)
        {
            error = $"'{Encoding.UTF8.GetString(uriText)}' is not a SIP URI";
            return false;
        }

        var host = uri.Maddr.IsEmpty ? text.Slice(uri.Host.Start, uri.Host.Length) : text.Slice(uri.Maddr.Start, uri.Maddr.Length);
        SipProtocol? transport = null;
        if (uri.IsSecure)
        {
            transport = SipProtocol.Tls;
        }
        else if (!uri.Transport.IsEmpty && SipProtocolText.TryParse(text.Slice(uri.Transport.Start, uri.Transport.Length), out var named))
        {
            transport = named;
        }

        if (host.Length > 1 && host[0] == '[')
        {
            host = host[1..^1];
        }

        hop = new HopTransport(transport, Encoding.ASCII.GetString(host));
        error = string.Empty;
        if (IPAddress.TryParse(host, out var address))
        {
            literal = new IPEndPoint(address, uri.Port > 0 ? uri.Port : transport == SipProtocol.Tls ? 5061 : 5060);
            return true;
        }

        request = new LocateRequest(hop.Host, transport, uri.Port > 0 ? uri.Port : 0);
        return true;
    }
}

/// <summary>What a next-hop URI says about the transport: the one it names (null: none), and its host for TLS name checks.</summary>
public readonly record struct HopTransport(SipProtocol? Named, string Host);

/// <summary>Whether a destination's addresses are known, being looked up, or cannot be had.</summary>
public enum DestinationStatus
{
    Resolved,
    Pending,
    Failed,
}

/// <summary>
/// The answer of <see cref="DestinationResolver.Locate"/>: the addresses to try in order (Resolved),
/// the lookup to wait for (Pending), or the reason (Failed).
/// </summary>
/// <param name="IsName">The URI names a host (located by DNS), not an IP literal; false for a URI that did not parse.</param>
public readonly record struct DestinationLookup(DestinationStatus Status, HopTransport Hop, IReadOnlyList<ServerTarget> Targets, Task<LocatedServers>? Pending, string Error, bool IsName)
{
    public static DestinationLookup Literal(HopTransport hop, ServerTarget target) => new(DestinationStatus.Resolved, hop, [target], null, string.Empty, false);

    public static DestinationLookup Found(HopTransport hop, IReadOnlyList<ServerTarget> targets) =>
        targets.Count == 0 ? Failed(hop, $"'{hop.Host}' has no address", isName: true) : new(DestinationStatus.Resolved, hop, targets, null, string.Empty, true);

    public static DestinationLookup Waiting(HopTransport hop, Task<LocatedServers> pending) =>
        new(DestinationStatus.Pending, hop, [], pending, $"'{hop.Host}' is being looked up in DNS (not cached yet)", true);

    public static DestinationLookup Failed(HopTransport hop, string error, bool isName) => new(DestinationStatus.Failed, hop, [], null, error, isName);

    /// <summary>
    /// A Pending lookup: hands the answer to <paramref name="waiting"/> on the thread that completes
    /// the lookup (a thread-pool thread, never a SIP worker).
    /// </summary>
    public void WhenAnswered(IWaitsForLocation waiting)
    {
        ArgumentNullException.ThrowIfNull(waiting);
        (Pending ?? throw new InvalidOperationException("the lookup is not pending")).ContinueWith(
            static (task, s) => ((IWaitsForLocation)s!).Located(task.Result),
            waiting,
            CancellationToken.None,
            TaskContinuationOptions.DenyChildAttach,
            TaskScheduler.Default);
    }
}

/// <summary>Something written while its destination is looked up in DNS, sent once the answer comes.</summary>
public interface IWaitsForLocation
{
    void Located(ServerLocation.LocatedServers answer);
}
