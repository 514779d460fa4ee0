using System.Net;

namespace ScriptedSip.Host.Configuration;

/// <summary>The checked form of <see cref="ManagementOptions"/>: endpoints to bind, and the token.</summary>
public sealed record ManagementSettings(IReadOnlyList<IPEndPoint> Endpoints, string Token, string? SocketPath = null)
{
    public static ManagementSettings Off { get; } = new([], string.Empty);

    public bool Enabled => Endpoints.Count > 0 || SocketPath is not null;

    public bool RequiresToken => Token.Length > 0;

    /// <summary>Parses every URL; each problem becomes one <c>Management:Key: reason</c> line.</summary>
    public static ManagementSettings? From(ManagementOptions options, string contentRoot, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(problems);
        var endpoints = new List<IPEndPoint>();
        var before = problems.Count;
        string? exposed = null;
        for (var i = 0; i < options.Urls.Count; i++)
        {
            var url = options.Urls[i];
            if (!TryParse(url, out var endpoint, out var error))
            {
                problems.Add($"Management:Urls:{i}: '{url}' {error}");
                continue;
            }

            endpoints.Add(endpoint);
            if (!IPAddress.IsLoopback(endpoint.Address))
            {
                exposed ??= url;
            }
        }

        if (options.Token.Any(char.IsWhiteSpace))
        {
            problems.Add("Management:Token: must not contain white space");
        }

        if (exposed is not null && options.Token.Length == 0)
        {
            problems.Add($"Management:Token: required because Management:Urls has the non-loopback address {exposed} (anyone who reaches it could control the server)");
        }

        string? socket = null;
        if (options.Socket.Length > 0)
        {
            socket = Path.GetFullPath(options.Socket, contentRoot);
            if (!Directory.Exists(Path.GetDirectoryName(socket)))
            {
                problems.Add($"Management:Socket: the folder of '{socket}' does not exist");
            }
            else if (Directory.Exists(socket))
            {
                problems.Add($"Management:Socket: '{socket}' is a folder");
            }
            else if (System.Text.Encoding.UTF8.GetByteCount(socket) > 107)
            {
                problems.Add($"Management:Socket: '{socket}' is longer than a Unix socket path may be (107 bytes)");
            }
        }

        return problems.Count > before ? null : new ManagementSettings(endpoints, options.Token, socket);
    }

    /// <summary><c>http://IP:PORT</c> (IPv6 in brackets) or <c>http://localhost:PORT</c>; nothing else.</summary>
    private static bool TryParse(string url, out IPEndPoint endpoint, out string error)
    {
        endpoint = new IPEndPoint(IPAddress.Loopback, 0);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            error = "is not an address of the form http://IP:PORT (only plain http; put TLS in front with a reverse proxy)";
            return false;
        }

        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.UserInfo.Length > 0)
        {
            error = "must not have a path, query or user (the endpoint serves /metrics, /health/… and /rpc itself)";
            return false;
        }

        IPAddress? address = uri.IsLoopback && uri.HostNameType == UriHostNameType.Dns ? IPAddress.Loopback : null;
        if (address is null && !IPAddress.TryParse(uri.Host.Trim('[', ']'), out address))
        {
            error = "must name an IP address (or localhost), not a host name";
            return false;
        }

        var authority = url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..].Split('/')[0];
        var portColon = authority.LastIndexOf(':');
        if (portColon < 0 || authority.EndsWith(']') || portColon == authority.Length - 1)
        {
            error = "must name the port (port 0 = any free port)";
            return false;
        }

        endpoint = new IPEndPoint(address, uri.Port);
        error = string.Empty;
        return true;
    }
}
