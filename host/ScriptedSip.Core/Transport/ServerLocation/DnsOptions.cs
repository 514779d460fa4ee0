using System.Globalization;
using System.Net;

namespace ScriptedSip.Core.Transport.ServerLocation;

/// <summary>The <c>Dns</c> section: which DNS servers RFC 3263 server location asks, and how long it waits.</summary>
public sealed class DnsOptions
{
    public const string Section = "Dns";

    /// <summary>"IP" or "IP:PORT" ("[IPv6]:PORT"); empty: the system's resolvers (/etc/resolv.conf).</summary>
    public IList<string> Servers { get; } = [];

    /// <summary>How long one DNS query may take before the name counts as unresolvable (ms).</summary>
    public int TimeoutMs { get; set; } = 2000;

    /// <summary>Parses one <see cref="Servers"/> entry; the port defaults to 53.</summary>
    public static bool TryParseServer(string? text, out IPEndPoint? server, out string error)
    {
        server = null;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            error = "a DNS server must be an IP address or IP:PORT, not empty";
            return false;
        }

        // IPAddress also reads the old short forms ("1.2.3" is 1.2.0.3): an IPv4 server is written in full.
        var hostPart = text.Count(c => c == ':') == 1 ? text[..text.IndexOf(':', StringComparison.Ordinal)] : text;
        if (!hostPart.Contains(':', StringComparison.Ordinal) && !hostPart.StartsWith('[') && hostPart.Split('.').Length != 4)
        {
            error = $"'{text}' is not an IP address or IP:PORT (write an IPv4 address in full, a.b.c.d; host names are not allowed)";
            return false;
        }

        if (IPAddress.TryParse(text, out var address) && !text.StartsWith('['))
        {
            server = new IPEndPoint(address, 53);
            error = string.Empty;
            return true;
        }

        if (IPEndPoint.TryParse(text, out var endpoint) && (text.StartsWith('[') || !text.Contains("::", StringComparison.Ordinal)))
        {
            if (endpoint.Port == 0)
            {
                error = $"'{text}': the port must be 1..65535";
                return false;
            }

            server = endpoint;
            error = string.Empty;
            return true;
        }

        error = $"'{text}' is not an IP address or IP:PORT (write an IPv6 address with a port as [::1]:53; host names are not allowed)";
        return false;
    }

    /// <summary>Every configured server, parsed; an error line per bad entry (<c>Dns:Servers:N: reason</c>).</summary>
    public IReadOnlyList<IPEndPoint> ParseServers(ICollection<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var servers = new List<IPEndPoint>();
        for (var i = 0; i < Servers.Count; i++)
        {
            if (TryParseServer(Servers[i], out var server, out var error))
            {
                servers.Add(server!);
            }
            else
            {
                problems.Add($"{Section}:{nameof(Servers)}:{i.ToString(CultureInfo.InvariantCulture)}: {error}");
            }
        }

        return servers;
    }
}
