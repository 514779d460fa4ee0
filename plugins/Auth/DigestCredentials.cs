namespace ScriptedSip.Plugins.Auth;

/// <summary>The parameters of one <c>Authorization</c> / <c>Proxy-Authorization: Digest …</c> header (RFC 3261 §25, RFC 7616).</summary>
public sealed record DigestCredentials(
    string Username,
    string Realm,
    string Nonce,
    string Uri,
    string Response,
    string Algorithm,
    string? Qop,
    string? Cnonce,
    string? NonceCount);

/// <summary>
/// Parses Digest credentials. Never throws: any malformed input (missing fields, unbalanced quotes,
/// oversized values, a bad nonce-count) gives a reason for a 400 instead.
/// </summary>
public static class DigestParser
{
    /// <summary>Longest header value accepted; real credentials are a few hundred bytes.</summary>
    public const int MaxLength = 4096;

    public static bool TryParse(string header, out DigestCredentials? credentials, out string error)
    {
        credentials = null;
        ArgumentNullException.ThrowIfNull(header);
        if (header.Length > MaxLength)
        {
            error = "credentials too long";
            return false;
        }

        var text = header.Trim();
        if (!text.StartsWith("Digest", StringComparison.OrdinalIgnoreCase) || text.Length < 7 || !char.IsWhiteSpace(text[6]))
        {
            error = "not Digest credentials";
            return false;
        }

        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 7;
        while (i < text.Length)
        {
            while (i < text.Length && (char.IsWhiteSpace(text[i]) || text[i] == ','))
            {
                i++;
            }

            if (i >= text.Length)
            {
                break;
            }

            var eq = text.IndexOf('=', i);
            if (eq < 0)
            {
                error = "a parameter without '='";
                return false;
            }

            var name = text[i..eq].Trim();
            i = eq + 1;
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            string value;
            if (i < text.Length && text[i] == '"')
            {
                var builder = new System.Text.StringBuilder();
                i++;
                var closed = false;
                while (i < text.Length)
                {
                    var c = text[i++];
                    if (c == '\\' && i < text.Length)
                    {
                        builder.Append(text[i++]);
                    }
                    else if (c == '"')
                    {
                        closed = true;
                        break;
                    }
                    else
                    {
                        builder.Append(c);
                    }
                }

                if (!closed)
                {
                    error = "unbalanced quotes";
                    return false;
                }

                value = builder.ToString();
            }
            else
            {
                var end = text.IndexOf(',', i);
                value = (end < 0 ? text[i..] : text[i..end]).Trim();
                i = end < 0 ? text.Length : end;
            }

            if (name.Length == 0 || name.Any(char.IsWhiteSpace))
            {
                error = "a malformed parameter name";
                return false;
            }

            fields[name] = value;
        }

        string? Get(string key) => fields.TryGetValue(key, out var v) ? v : null;
        var username = Get("username");
        var realm = Get("realm");
        var nonce = Get("nonce");
        var uri = Get("uri");
        var response = Get("response");
        if (username is null || realm is null || nonce is null || uri is null || response is null)
        {
            error = "missing username, realm, nonce, uri or response";
            return false;
        }

        var qop = Get("qop");
        var nc = Get("nc");
        var cnonce = Get("cnonce");
        if (qop is not null && (nc is null || cnonce is null))
        {
            error = "qop without nc and cnonce";
            return false;
        }

        if (nc is not null && (nc.Length != 8 || !nc.All(char.IsAsciiHexDigit)))
        {
            error = "nc is not 8 hex digits";
            return false;
        }

        if (!response.All(char.IsAsciiHexDigit) || response.Length is not (32 or 64))
        {
            error = "response is not a hex digest";
            return false;
        }

        credentials = new DigestCredentials(username, realm, nonce, uri, response.ToLowerInvariant(), Get("algorithm") ?? "MD5", qop, cnonce, nc);
        error = string.Empty;
        return true;
    }
}
