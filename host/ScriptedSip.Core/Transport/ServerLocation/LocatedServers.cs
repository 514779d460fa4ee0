using System.Net;

namespace ScriptedSip.Core.Transport.ServerLocation;

/// <summary>What RFC 3263 server location is asked: a host name, and what the URI already fixes.</summary>
/// <param name="Host">The host name (never an IP literal: those never reach DNS).</param>
/// <param name="Transport">The transport the URI names (<c>;transport=</c>, TLS for <c>sips:</c>); null when it names none.</param>
/// <param name="Port">The URI's explicit port; 0 when it has none.</param>
public readonly record struct LocateRequest(string Host, SipProtocol? Transport, int Port)
{
    /// <summary>The cache key: the same name asked with another transport or port is another question.</summary>
    public string Key => $"{Host.ToLowerInvariant()}|{(Transport is { } t ? SipProtocolText.UriToken(t) : "-")}|{Port}";
}

/// <summary>
/// One SRV target (or the plain A/AAAA answer, as one target): its rank among the others (the NAPTR
/// order first, then the SRV priority), its SRV weight, the transport it was found for (null: the
/// caller picks), and its addresses with the port already applied.
/// </summary>
public sealed record LocatedService(long Rank, int Weight, SipProtocol? Protocol, IReadOnlyList<IPEndPoint> Addresses);

/// <summary>One address to try, in order: where to send and over which transport (null: the caller picks).</summary>
public readonly record struct ServerTarget(IPEndPoint EndPoint, SipProtocol? Protocol);

/// <summary>
/// The answer of one server location: the services found, or why there are none, and how long the
/// answer may be kept (the smallest TTL of the records used; a negative answer's SOA minimum).
/// </summary>
public sealed class LocatedServers
{
    /// <summary>Most targets one name expands to; a runaway zone cannot make a branch try forever.</summary>
    public const int MaxTargets = 16;

    private LocatedServers(IReadOnlyList<LocatedService> services, string? error, TimeSpan ttl, int queries)
    {
        Services = services;
        Error = error;
        TimeToLive = ttl;
        Queries = queries;
    }

    public IReadOnlyList<LocatedService> Services { get; }

    /// <summary>Why the name is unresolvable; null when it resolved.</summary>
    public string? Error { get; }

    public bool Resolved => Error is null;

    public TimeSpan TimeToLive { get; }

    /// <summary>DNS queries this answer took (0 for answers that needed no query).</summary>
    public int Queries { get; }

    public static LocatedServers Found(IReadOnlyList<LocatedService> services, TimeSpan ttl, int queries) =>
        services.Count == 0 ? throw new ArgumentException("A found answer has services.", nameof(services)) : new(services, null, ttl, queries);

    public static LocatedServers Unresolvable(string error, TimeSpan ttl, int queries) => new([], error, ttl, queries);

    /// <summary>
    /// The addresses to try, in order: services by rank, equal ranks in RFC 2782 weighted random
    /// order (a new draw on every call, so that load spreads by weight), each service's addresses in
    /// the order DNS gave them; at most <see cref="MaxTargets"/>.
    /// </summary>
    public List<ServerTarget> Targets(Random random)
    {
        var targets = new List<ServerTarget>();
        foreach (var service in SrvOrdering.Order(Services, random))
        {
            foreach (var address in service.Addresses)
            {
                if (targets.Count == MaxTargets)
                {
                    return targets;
                }

                targets.Add(new ServerTarget(address, service.Protocol));
            }
        }

        return targets;
    }
}
