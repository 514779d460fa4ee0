using System.Net;
using DnsClient;
using DnsClient.Protocol;

namespace ScriptedSip.Core.Transport.ServerLocation;

/// <summary>
/// RFC 3263 §4 server location over DNS (DnsClient): NAPTR → SRV → A/AAAA for a name without port
/// and transport, SRV → A/AAAA for a name without port, A/AAAA for a name with a port. A truncated
/// answer, a CNAME chain that loops or is longer than <see cref="MaxCnameHops"/>, an SRV set whose
/// only target is '.', a server failure and a timeout all make the name unresolvable.
/// </summary>
public sealed class DnsServerLocator : IServerLocator
{
    /// <summary>How many CNAME records one name may be chased through.</summary>
    public const int MaxCnameHops = 8;

    /// <summary>How long "no such name" is kept when the answer carries no SOA.</summary>
    private static readonly TimeSpan DefaultNegativeTtl = TimeSpan.FromSeconds(30);

    private readonly LookupClient _client;

    /// <param name="servers">The DNS servers to ask; empty: the system's resolvers.</param>
    /// <param name="timeout">How long one query may take.</param>
    public DnsServerLocator(IReadOnlyList<IPEndPoint> servers, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(servers);
        var options = servers.Count == 0 ? new LookupClientOptions() : new LookupClientOptions([.. servers]);
        options.Timeout = timeout;
        options.Retries = 0;
        options.UseCache = false; // the resolver keeps its own cache, by the records' TTL, and counts its hits
        options.UseTcpFallback = true; // a truncated UDP answer is asked again over TCP (RFC 1035 §4.2.2, RFC 7766)
        options.ThrowDnsErrors = false;
        options.ContinueOnDnsError = false;
        options.ContinueOnEmptyResponse = false;
        options.UseRandomNameServer = false;
        _client = new LookupClient(options);
    }

    public async Task<LocatedServers> LocateAsync(LocateRequest request, CancellationToken cancellationToken)
    {
        var walk = new Walk(_client, cancellationToken);
        try
        {
            var services = await LocateServicesAsync(walk, request).ConfigureAwait(false);
            return services.Count > 0
                ? LocatedServers.Found(services, walk.PositiveTtl, walk.Queries)
                : LocatedServers.Unresolvable($"'{request.Host}' has no address", walk.NegativeTtl ?? DefaultNegativeTtl, walk.Queries);
        }
        catch (UnresolvableException ex)
        {
            return LocatedServers.Unresolvable(ex.Message, TimeSpan.Zero, walk.Queries);
        }
    }

    private static async Task<List<LocatedService>> LocateServicesAsync(Walk walk, LocateRequest request)
    {
        var defaultPort = request.Transport == SipProtocol.Tls ? 5061 : 5060;
        if (IsLocalhost(request.Host))
        {
            // RFC 6761 §6.3: "localhost" is the loopback address, never a question for a DNS server.
            return [new LocatedService(0, 0, request.Transport, [new IPEndPoint(IPAddress.Loopback, request.Port > 0 ? request.Port : defaultPort)])];
        }

        if (request.Port > 0)
        {
            return await AddressServiceAsync(walk, request.Host, request.Port, request.Transport).ConfigureAwait(false);
        }

        var srvNames = new List<(string Name, SipProtocol Protocol)>();
        if (request.Transport is { } named)
        {
            srvNames.Add((SrvPrefix(named) + request.Host, named));
        }
        else
        {
            var fromNaptr = await NaptrAsync(walk, request.Host).ConfigureAwait(false);
            if (fromNaptr.Count > 0)
            {
                return fromNaptr;
            }

            // RFC 3263 §4.1: no usable NAPTR: an SRV query per transport we speak.
            srvNames.Add(("_sip._udp." + request.Host, SipProtocol.Udp));
            srvNames.Add(("_sip._tcp." + request.Host, SipProtocol.Tcp));
        }

        var services = new List<LocatedService>();
        var refused = false;
        for (var i = 0; i < srvNames.Count; i++)
        {
            var (found, noService) = await SrvAsync(walk, srvNames[i].Name, srvNames[i].Protocol, i * 65536L).ConfigureAwait(false);
            services.AddRange(found);
            refused |= noService;
        }

        if (services.Count > 0)
        {
            return services;
        }

        if (refused)
        {
            throw new UnresolvableException($"'{request.Host}' has no SIP service (its SRV target is '.')");
        }

        return await AddressServiceAsync(walk, request.Host, defaultPort, request.Transport).ConfigureAwait(false);
    }

    /// <summary>NAPTR records with the "s" flag and a SIP service we know, by order and preference, each expanded through its SRV name.</summary>
    private static async Task<List<LocatedService>> NaptrAsync(Walk walk, string host)
    {
        var response = await walk.QueryAsync(host, QueryType.NAPTR).ConfigureAwait(false);
        var usable = response.Answers.OfType<NAPtrRecord>()
            .Where(r => string.Equals(r.Flags, "s", StringComparison.OrdinalIgnoreCase) && NaptrProtocol(r.Services) is not null)
            .OrderBy(r => r.Order)
            .ThenBy(r => r.Preference)
            .ToList();
        if (usable.Count == 0)
        {
            walk.SeeNegative(response);
            return [];
        }

        var services = new List<LocatedService>();
        for (var i = 0; i < usable.Count; i++)
        {
            walk.See(usable[i]);
            var (found, _) = await SrvAsync(walk, Bare(usable[i].Replacement), NaptrProtocol(usable[i].Services)!.Value, (i + 1) * 65536L).ConfigureAwait(false);
            services.AddRange(found);
        }

        return services;
    }

    /// <summary>The targets of an SRV name with their addresses. NoService: every target is '.'.</summary>
    private static async Task<(List<LocatedService> Found, bool NoService)> SrvAsync(Walk walk, string name, SipProtocol protocol, long rankBase)
    {
        var response = await walk.QueryAsync(name, QueryType.SRV).ConfigureAwait(false);
        var records = response.Answers.OfType<SrvRecord>().ToList();
        if (records.Count == 0)
        {
            walk.SeeNegative(response);
            return ([], false);
        }

        var services = new List<LocatedService>();
        string? lastError = null;
        foreach (var srv in records.Where(r => Bare(r.Target).Length > 0).Take(LocatedServers.MaxTargets))
        {
            walk.See(srv);
            try
            {
                var addresses = await AddressesAsync(walk, Bare(srv.Target), srv.Port, response.Additionals).ConfigureAwait(false);
                if (addresses.Count > 0)
                {
                    services.Add(new LocatedService(rankBase + srv.Priority, srv.Weight, protocol, addresses));
                }
            }
            catch (UnresolvableException ex)
            {
                lastError = ex.Message; // one broken target does not hide the others
            }
        }

        if (services.Count == 0 && lastError is not null)
        {
            throw new UnresolvableException(lastError);
        }

        return (services, services.Count == 0 && records.All(r => Bare(r.Target).Length == 0));
    }

    private static async Task<List<LocatedService>> AddressServiceAsync(Walk walk, string host, int port, SipProtocol? protocol)
    {
        var addresses = await AddressesAsync(walk, host, port, []).ConfigureAwait(false);
        return addresses.Count == 0 ? [] : [new LocatedService(0, 0, protocol, addresses)];
    }

    /// <summary>A records (AAAA only when there is no A), from the SRV answer's additional section when it has them.</summary>
    private static async Task<List<IPEndPoint>> AddressesAsync(Walk walk, string host, int port, IReadOnlyList<DnsResourceRecord> additionals)
    {
        if (IPAddress.TryParse(host, out var literal))
        {
            return [new IPEndPoint(literal, port)];
        }

        var given = additionals.OfType<ARecord>().Where(r => Same(r.DomainName, host)).ToList();
        if (given.Count > 0)
        {
            given.ForEach(walk.See);
            return [.. given.Select(r => new IPEndPoint(r.Address, port))];
        }

        var v4 = await walk.ChaseAsync<ARecord>(host, QueryType.A).ConfigureAwait(false);
        if (v4.Count > 0)
        {
            return [.. v4.Select(r => new IPEndPoint(r.Address, port))];
        }

        var v6 = await walk.ChaseAsync<AaaaRecord>(host, QueryType.AAAA).ConfigureAwait(false);
        return [.. v6.Select(r => new IPEndPoint(r.Address, port))];
    }

    private static bool IsLocalhost(string host)
    {
        var name = host.TrimEnd('.');
        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
    }

    private static string SrvPrefix(SipProtocol protocol) => protocol switch
    {
        SipProtocol.Tls => "_sips._tcp.",
        SipProtocol.Tcp => "_sip._tcp.",
        _ => "_sip._udp.",
    };

    private static SipProtocol? NaptrProtocol(string? service) => service?.ToUpperInvariant() switch
    {
        "SIP+D2U" => SipProtocol.Udp,
        "SIP+D2T" => SipProtocol.Tcp,
        "SIPS+D2T" => SipProtocol.Tls,
        _ => null,
    };

    internal static string Bare(DnsString name) => name.Value.TrimEnd('.');

    internal static bool Same(DnsString name, string host) => string.Equals(Bare(name), host.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);
}

/// <summary>A name that cannot be located: the message says why (it ends up in the log line).</summary>
internal sealed class UnresolvableException(string message) : Exception(message);
