using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using ScriptedSip.Sdk.Plugins;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Plugins.Dispatcher;

/// <summary>
/// Kamailio's dispatcher for scripts: <c>Plugin&lt;Dispatcher&gt;().Select(Message, 1, 0)</c> sets
/// <c>Du</c> to a destination of set 1 chosen by algorithm 0 (hash over the Call-ID); in the failure
/// route <c>Next(Message)</c> moves to the next candidate. Algorithms keep Kamailio's numbers:
/// 0 Call-ID hash, 1 From URI hash, 2 To URI hash, 3 Request-URI hash, 4 round robin, 6 random,
/// 8 priority (serial failover, lowest value first), 9 weight, 10 least load.
/// Only active destinations are chosen. Selection allocates nothing for algorithms 0, 4, 6, 8, 9
/// (1–3 read the URI as a string, which the host allocates).
/// </summary>
public sealed partial class Dispatcher
{
    private readonly FailoverSlots _slots;
    private readonly ILogger _logger;
    private readonly ISipHost _host;
    private FrozenDictionary<int, DestinationSet> _sets = FrozenDictionary<int, DestinationSet>.Empty;
    private int _warnedUnknownSet = -1;

    internal Dispatcher(int failoverSlots, ISipHost host, ILogger logger)
    {
        _slots = new FailoverSlots(failoverSlots);
        _host = host;
        _logger = logger;
    }

    /// <summary>
    /// Loads the sets again from the list file and the configuration (<c>dispatcher.reload</c>): the
    /// problems found, empty when the new sets are in use; with any problem they are logged and the
    /// sets in use stay.
    /// </summary>
    public IReadOnlyList<string> Reload() => Reloader?.Invoke() ?? [];

    internal Func<IReadOnlyList<string>>? Reloader { get; set; }

    /// <summary>
    /// Whether the health probing sends its OPTIONS (<c>dispatcher.ping_active</c>); true from the
    /// start when <c>ProbeIntervalSeconds</c> is above 0. Off, destinations keep the state they have.
    /// </summary>
    public bool ProbingEnabled
    {
        get => Volatile.Read(ref _probingEnabled);
        set => Volatile.Write(ref _probingEnabled, value);
    }

    private bool _probingEnabled;

    /// <summary>The set ids loaded now.</summary>
    public IReadOnlyList<int> SetIds => Volatile.Read(ref _sets).Keys;

    /// <summary>Calls whose failover state was overwritten because the table was full (they can no longer fail over).</summary>
    public long Evicted => _slots.Evicted;

    /// <summary>The destinations of a set (empty for an unknown set), in configuration order.</summary>
    public IReadOnlyList<Destination> List(int set) => Volatile.Read(ref _sets).TryGetValue(set, out var found) ? found.Destinations : [];

    /// <summary>
    /// Chooses a destination of <paramref name="set"/> with <paramref name="algorithm"/> and sets
    /// <c>Du</c> to it (ds_select_dst); the remaining candidates are kept for <see cref="Next"/>. False
    /// (Du unchanged) when the set is unknown or no destination in it is active.
    /// </summary>
    [RouteKinds(RouteKind.Request, RouteKind.Failure)]
    public bool Select(RouteGlobals message, int set, int algorithm)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!Volatile.Read(ref _sets).TryGetValue(set, out var destinations) || destinations.Destinations.Length == 0)
        {
            if (Interlocked.Exchange(ref _warnedUnknownSet, set) != set)
            {
                LogUnknownSet(_logger, set);
            }

            return false;
        }

        var n = destinations.Destinations.Length;
        var slot = new FailoverSlots.Slot { Set = destinations };
        switch (algorithm)
        {
            case 0: slot.Start = (int)(Hash(message.Ci) % (uint)n); break;
            case 1: slot.Start = (int)(Hash(message.Fu) % (uint)n); break;
            case 2: slot.Start = (int)(Hash(message.Tu) % (uint)n); break;
            case 3: slot.Start = (int)(Hash(message.Ru) % (uint)n); break;
            case 4: slot.Start = destinations.NextRoundRobin(); break;
            case 6: slot.Start = Random.Shared.Next(n); break;
            case 8: slot.ByPriority = true; break;
            case 9: slot.Start = destinations.WeightSlots[Random.Shared.Next(destinations.WeightSlots.Length)]; break;
            case 10: slot.Start = LeastLoaded(destinations); slot.Loaded = true; break;
            default:
                throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "dispatcher algorithms: 0 Call-ID hash, 1 From URI hash, 2 To URI hash, 3 Request-URI hash, 4 round robin, 6 random, 8 priority, 9 weight, 10 least load");
        }

        slot.Position = FirstActive(slot, 0);
        if (slot.Position < 0)
        {
            return false;
        }

        var chosen = slot.Current;
        message.Du = chosen.Uri;
        if (message.Ci is { } callId)
        {
            if (slot.Loaded)
            {
                chosen.AddLoad(1);
            }

            var replaced = _slots.Put(callId, Hash(callId), slot);
            if (replaced.Loaded && replaced.Set is not null)
            {
                replaced.Current.AddLoad(-1); // the same call selected again, or an evicted call: its load ends
            }
        }

        return true;
    }

    /// <summary>
    /// Moves the call to the next active candidate of its <see cref="Select"/> and sets <c>Du</c>
    /// (ds_next_dst): in a failure route, before TRelay. False when none is left or nothing was selected.
    /// </summary>
    [RouteKinds(RouteKind.Request, RouteKind.Failure)]
    public bool Next(RouteGlobals message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Ci is not { } callId)
        {
            return false;
        }

        string? next = null;
        _slots.Update(callId, Hash(callId), 0, (ref FailoverSlots.Slot slot, int _) =>
        {
            var position = FirstActive(slot, slot.Position + 1);
            if (position < 0)
            {
                return true; // nothing left: keep the slot for Mark and LoadEnd
            }

            if (slot.Loaded)
            {
                slot.Current.AddLoad(-1);
            }

            slot.Position = position;
            if (slot.Loaded)
            {
                slot.Current.AddLoad(1);
            }

            next = slot.Current.Uri;
            return true;
        });
        if (next is null)
        {
            return false;
        }

        message.Du = next;
        return true;
    }

    /// <summary>
    /// Sets the state of the destination the call was last sent to (ds_mark_dst): <c>"active"</c>/<c>"a"</c>,
    /// <c>"inactive"</c>/<c>"i"</c>/<c>"ip"</c>, <c>"disabled"</c>/<c>"d"</c>. False when the call selected nothing.
    /// </summary>
    public bool Mark(RouteGlobals message, string state)
    {
        ArgumentNullException.ThrowIfNull(message);
        var wanted = ParseState(state);
        if (message.Ci is not { } callId)
        {
            return false;
        }

        Destination? target = null;
        _slots.Update(callId, Hash(callId), 0, (ref FailoverSlots.Slot slot, int _) =>
        {
            target = slot.Current;
            return true;
        });
        if (target is null)
        {
            return false;
        }

        Apply(target, wanted, "marked by the script");
        return true;
    }

    /// <summary>True when the message's source address and port are a destination of <paramref name="set"/> (any set for -1): ds_is_from_list.</summary>
    public bool IsFromSet(RouteGlobals message, int set = -1)
    {
        ArgumentNullException.ThrowIfNull(message);
        var ip = message.Si;
        var port = message.Sp;
        foreach (var (id, destinations) in Volatile.Read(ref _sets))
        {
            if (set >= 0 && id != set)
            {
                continue;
            }

            foreach (var destination in destinations.Destinations)
            {
                if (destination.Port == port && string.Equals(destination.Address, ip, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>The call selected with algorithm 10 has ended (BYE, or failed for good): its destination's load goes down (ds_load_unset).</summary>
    public bool LoadEnd(RouteGlobals message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Ci is not { } callId)
        {
            return false;
        }

        var ended = false;
        _slots.Update(callId, Hash(callId), 0, (ref FailoverSlots.Slot slot, int _) =>
        {
            if (slot.Loaded)
            {
                slot.Current.AddLoad(-1);
                slot.Loaded = false;
                ended = true;
            }

            return false;
        });
        return ended;
    }

    /// <summary>Sets the state of a destination by set and URI (<c>dispatcher.set_state</c>); false when there is none.</summary>
    public bool SetState(int set, string uri, string state)
    {
        var wanted = ParseState(state);
        var destination = List(set).FirstOrDefault(d => string.Equals(d.Uri, uri, StringComparison.OrdinalIgnoreCase));
        if (destination is null)
        {
            return false;
        }

        Apply(destination, wanted, "set by the administrator");
        return true;
    }

    /// <summary>Installs newly loaded sets; a destination that stays (same set, same URI) keeps its health.</summary>
    internal void Install(Dictionary<int, DestinationSet> sets)
    {
        var previous = Volatile.Read(ref _sets);
        foreach (var (id, set) in sets)
        {
            foreach (var destination in set.Destinations)
            {
                destination.Address = Resolve(destination.Host);
                var old = previous.TryGetValue(id, out var before)
                    ? before.Destinations.FirstOrDefault(d => string.Equals(d.Uri, destination.Uri, StringComparison.OrdinalIgnoreCase))
                    : null;
                if (old is not null)
                {
                    destination.CopyHealth(old);
                }
            }
        }

        Volatile.Write(ref _sets, sets.ToFrozenDictionary());
    }

    /// <summary>Every destination of every set now.</summary>
    internal IEnumerable<Destination> All() => Volatile.Read(ref _sets).Values.SelectMany(s => s.Destinations);

    /// <summary>Applies a state change, logs it and raises dispatcher:dst_down / dispatcher:dst_up with <c>Mb</c> = the URI.</summary>
    internal void Apply(Destination destination, DestinationState state, string why)
    {
        var before = destination.SetState(state);
        if (before != state)
        {
            Changed(destination, before, state, why);
        }
    }

    internal void Changed(Destination destination, DestinationState before, DestinationState after, string why)
    {
        LogStateChanged(_logger, destination.Set, destination.Uri, before, after, why);
        var route = after == DestinationState.Active ? "dispatcher:dst_up" : before == DestinationState.Active ? "dispatcher:dst_down" : null;
        if (route is not null)
        {
            _host.RaiseEvent(route, destination.Uri);
        }
    }

    /// <summary>FNV-1a over the UTF-16 text: stable across processes and runs (string.GetHashCode is not).</summary>
    internal static uint Hash(string? text)
    {
        var hash = 2166136261u;
        foreach (var c in text ?? string.Empty)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }

    private static int FirstActive(in FailoverSlots.Slot slot, int from)
    {
        var destinations = slot.Set.Destinations;
        for (var k = from; k < destinations.Length; k++)
        {
            if (destinations[slot.Candidate(k)].IsActive)
            {
                return k;
            }
        }

        return -1;
    }

    private static int LeastLoaded(DestinationSet set)
    {
        var best = 0;
        var bestLoad = long.MaxValue;
        for (var i = 0; i < set.Destinations.Length; i++)
        {
            var destination = set.Destinations[i];
            if (destination.IsActive && destination.Load < bestLoad)
            {
                best = i;
                bestLoad = destination.Load;
            }
        }

        return best;
    }

    internal static DestinationState ParseState(string state) => state?.Trim().ToUpperInvariant() switch
    {
        "A" or "ACTIVE" or "AP" => DestinationState.Active,
        "I" or "INACTIVE" or "IP" => DestinationState.Inactive,
        "D" or "DISABLED" or "DX" => DestinationState.Disabled,
        _ => throw new ArgumentException($"'{state}' is not a dispatcher state: active (a), inactive (i, ip) or disabled (d)", nameof(state)),
    };

    private static string? Resolve(string host)
    {
        var bare = host.Trim('[', ']');
        if (System.Net.IPAddress.TryParse(bare, out var address))
        {
            return address.ToString();
        }

        try
        {
            return System.Net.Dns.GetHostAddresses(bare).FirstOrDefault()?.ToString();
        }
        catch (System.Net.Sockets.SocketException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 7201, Level = LogLevel.Warning, Message = "Destination set {Set} is not loaded (Plugins:Dispatcher:Sets or the list file): Select returns false")]
    private static partial void LogUnknownSet(ILogger logger, int set);

    [LoggerMessage(EventId = 7202, Level = LogLevel.Warning, Message = "Dispatcher destination {Uri} of set {Set}: {Before} -> {After} ({Why})")]
    private static partial void LogStateChanged(ILogger logger, int set, string uri, DestinationState before, DestinationState after, string why);
}
