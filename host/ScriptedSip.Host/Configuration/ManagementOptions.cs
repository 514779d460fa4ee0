namespace ScriptedSip.Host.Configuration;

/// <summary>
/// The <c>Management</c> section: the HTTP endpoint for metrics, health and JSON-RPC control.
/// Loopback only by default; any other address needs a bearer token (checked at start).
/// </summary>
public sealed class ManagementOptions
{
    public const string Section = "Management";

    public const string DefaultUrl = "http://127.0.0.1:9060";

    /// <summary>Largest request body accepted (a JSON-RPC batch fits easily); larger ones get HTTP 413.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>Addresses to listen on, <c>http://IP:PORT</c>; port 0 = any free port; an empty list turns the endpoint off.</summary>
    public IList<string> Urls { get; } = [DefaultUrl];

    /// <summary>
    /// Also (or only, with <c>Urls</c> empty) listen on this Unix domain socket: a path, relative to
    /// the content root unless absolute. The file is made readable and writable by the server's user
    /// only (the file permissions guard it; no token needed). Empty = no socket.
    /// </summary>
    public string Socket { get; set; } = string.Empty;

    /// <summary>Bearer token every request must carry; required when a URL is not loopback. Empty = none.</summary>
    public string Token { get; set; } = string.Empty;
}
