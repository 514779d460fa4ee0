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

        // The parameters a check reads, by slot (the last of a repeated name wins); others are
        // checked for syntax and skipped. Values are substrings of the header: nothing else is
        // allocated unless a quoted value has escapes.
        var values = new string?[Names.Length];
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

            var name = text.AsSpan(i, eq - i).Trim();
            var slot = Slot(name);
            i = eq + 1;
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            string? value;
            if (i < text.Length && text[i] == '"')
            {
                if (!TryReadQuoted(text, ref i, keep: slot >= 0, out value))
                {
                    error = "unbalanced quotes";
                    return false;
                }
            }
            else
            {
                var end = text.IndexOf(',', i);
                var stop = end < 0 ? text.Length : end;
                var first = i;
                while (first < stop && char.IsWhiteSpace(text[first]))
                {
                    first++;
                }

                while (stop > first && char.IsWhiteSpace(text[stop - 1]))
                {
                    stop--;
                }

                value = slot < 0 ? null : text.Substring(first, stop - first);
                i = end < 0 ? text.Length : end;
            }

            if (name.Length == 0 || HasWhiteSpace(name))
            {
                error = "a malformed parameter name";
                return false;
            }

            if (slot >= 0)
            {
                values[slot] = value;
            }
        }

        string? Get(string key) => values[Slot(key)];
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

        if (nc is not null && (nc.Length != 8 || !IsHex(nc)))
        {
            error = "nc is not 8 hex digits";
            return false;
        }

        if (!IsHex(response) || response.Length is not (32 or 64))
        {
            error = "response is not a hex digest";
            return false;
        }

        credentials = new DigestCredentials(username, realm, nonce, uri, response.ToLowerInvariant(), Get("algorithm") ?? "MD5", qop, cnonce, nc);
        error = string.Empty;
        return true;
    }

    /// <summary>The parameters a check reads; their slot is the index here.</summary>
    private static readonly string[] Names = ["username", "realm", "nonce", "uri", "response", "algorithm", "qop", "nc", "cnonce"];

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    private static bool IsHex(string text) => !text.AsSpan().ContainsAnyExcept(HexDigits);

    private static int Slot(ReadOnlySpan<char> name)
    {
        for (var k = 0; k < Names.Length; k++)
        {
            if (name.Equals(Names[k], StringComparison.OrdinalIgnoreCase))
            {
                return k;
            }
        }

        return -1;
    }

    private static bool HasWhiteSpace(ReadOnlySpan<char> name)
    {
        foreach (var c in name)
        {
            if (char.IsWhiteSpace(c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A quoted-string from the opening quote at <paramref name="i"/>; after it, <paramref name="i"/> is past the closing quote.</summary>
    private static bool TryReadQuoted(string text, ref int i, bool keep, out string? value)
    {
        var start = ++i;
        var escaped = false;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\\' && i + 1 < text.Length)
            {
                escaped = true;
                i += 2;
            }
            else if (c == '"')
            {
                value = !keep ? null : escaped ? Unescape(text.AsSpan(start, i - start)) : text.Substring(start, i - start);
                i++;
                return true;
            }
            else
            {
                i++;
            }
        }

        value = null;
        return false;
    }

    private static string Unescape(ReadOnlySpan<char> quoted)
    {
        var builder = new System.Text.StringBuilder(quoted.Length);
        for (var k = 0; k < quoted.Length; k++)
        {
            builder.Append(quoted[k] == '\\' && k + 1 < quoted.Length ? quoted[++k] : quoted[k]);
        }

        return builder.ToString();
    }
}
