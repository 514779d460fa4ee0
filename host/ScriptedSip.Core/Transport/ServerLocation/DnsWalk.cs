using DnsClient;
using DnsClient.Protocol;

namespace ScriptedSip.Core.Transport.ServerLocation;

/// <summary>
/// The queries of one server location: sends them, refuses answers that are truncated or failed,
/// chases CNAME chains, and keeps what the answer's lifetime is (the smallest TTL of the records
/// used; for a negative answer, the SOA's minimum).
/// </summary>
internal sealed class Walk(LookupClient client, CancellationToken cancellationToken)
{
    private int _minTtl = int.MaxValue;

    public int Queries { get; private set; }

    public TimeSpan? NegativeTtl { get; private set; }

    public TimeSpan PositiveTtl => TimeSpan.FromSeconds(_minTtl == int.MaxValue ? 0 : _minTtl);

    public void See(DnsResourceRecord record) => _minTtl = Math.Min(_minTtl, Math.Max(0, record.TimeToLive));

    /// <summary>An answer without the records asked for: kept as long as its SOA says negative answers live (RFC 2308).</summary>
    public void SeeNegative(IDnsQueryResponse response)
    {
        var soa = response.Authorities.OfType<SoaRecord>().FirstOrDefault();
        if (soa is not null)
        {
            var ttl = TimeSpan.FromSeconds(Math.Min((long)soa.Minimum, Math.Max(0, soa.TimeToLive)));
            NegativeTtl = NegativeTtl is { } known && known < ttl ? known : ttl;
        }
    }

    public async Task<IDnsQueryResponse> QueryAsync(string name, QueryType type)
    {
        Queries++;
        IDnsQueryResponse response;
        try
        {
            response = await client.QueryAsync(name, type, QueryClass.IN, cancellationToken).ConfigureAwait(false);
        }
        catch (DnsResponseException ex)
        {
            throw new UnresolvableException(ex.Message.Contains("truncat", StringComparison.OrdinalIgnoreCase)
                ? $"the {type} answer for '{name}' was truncated"
                : $"{type} query for '{name}' failed: {ex.Code} ({ex.Message})");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UnresolvableException($"{type} query for '{name}' timed out");
        }

        if (response.Header.ResultTruncated)
        {
            throw new UnresolvableException($"the {type} answer for '{name}' was truncated");
        }

        if (response.HasError && response.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
        {
            throw new UnresolvableException($"{type} query for '{name}' failed: {response.ErrorMessage}");
        }

        return response;
    }

    /// <summary>
    /// Records of type <typeparamref name="T"/> for <paramref name="name"/>, following CNAMEs inside
    /// an answer and with a new query where an answer stops at a CNAME. A name seen twice, or more than
    /// <see cref="DnsServerLocator.MaxCnameHops"/> CNAMEs, is a loop.
    /// </summary>
    public async Task<List<T>> ChaseAsync<T>(string name, QueryType type)
        where T : DnsResourceRecord
    {
        var visited = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var current = name;
        while (true)
        {
            var response = await QueryAsync(current, type).ConfigureAwait(false);
            var fresh = true;
            while (true)
            {
                if (!visited.Add(current.TrimEnd('.')) || visited.Count > DnsServerLocator.MaxCnameHops + 1)
                {
                    throw new UnresolvableException($"the CNAME chain of '{name}' loops or is longer than {DnsServerLocator.MaxCnameHops}");
                }

                var records = response.Answers.OfType<T>().Where(r => DnsServerLocator.Same(r.DomainName, current)).ToList();
                if (records.Count > 0)
                {
                    records.ForEach(See);
                    return records;
                }

                var alias = response.Answers.OfType<CNameRecord>().FirstOrDefault(c => DnsServerLocator.Same(c.DomainName, current));
                if (alias is null)
                {
                    if (fresh)
                    {
                        SeeNegative(response);
                        return [];
                    }

                    visited.Remove(current.TrimEnd('.')); // the answer stopped at this alias: ask for it by name
                    break;
                }

                See(alias);
                current = DnsServerLocator.Bare(alias.CanonicalName);
                fresh = false;
            }
        }
    }
}
