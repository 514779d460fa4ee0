using System.Globalization;

namespace ScriptedSip.Plugins.Registrar;

/// <summary>One parsed Contact value of a REGISTER: its URI and the header parameters the registrar uses.</summary>
public sealed record ContactValue(string Uri, int? Expires, int Q, string? Instance, int RegId);

/// <summary>
/// Parses Contact header values (RFC 3261 §20.10 / §25: name-addr or addr-spec, comma-separated,
/// parameters after the URI). Never throws: malformed input gives a reason for a 400.
/// </summary>
public static class ContactHeader
{
    /// <summary>The error of <see cref="TryParse"/> when there are more values than its limit.</summary>
    public const string TooMany = "too many Contact values";

    /// <summary>Parses every Contact line; <paramref name="star"/> is true for the single <c>*</c> form.</summary>
    public static bool TryParse(IEnumerable<string> lines, int limit, out List<ContactValue> contacts, out bool star, out string error)
    {
        ArgumentNullException.ThrowIfNull(lines);
        contacts = [];
        star = false;
        error = string.Empty;
        foreach (var line in lines)
        {
            if (!TrySplit(line, out var values))
            {
                error = "Contact: unbalanced quotes or angle brackets";
                return false;
            }

            foreach (var raw in values)
            {
                var value = raw.Trim();
                if (value == "*")
                {
                    star = true;
                    continue;
                }

                if (!TryParseValue(value, out var contact, out error))
                {
                    return false;
                }

                contacts.Add(contact!);
                if (contacts.Count > limit)
                {
                    error = TooMany;
                    return false;
                }
            }
        }

        if (star && contacts.Count > 0)
        {
            error = "Contact: * must be the only Contact value";
            return false;
        }

        return true;
    }

    /// <summary>Splits on commas that are outside quotes and angle brackets.</summary>
    internal static bool TrySplit(string line, out List<string> values)
    {
        values = [];
        var quoted = false;
        var angle = false;
        var start = 0;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == '<')
            {
                if (angle)
                {
                    return false;
                }

                angle = true;
            }
            else if (c == '>')
            {
                if (!angle)
                {
                    return false;
                }

                angle = false;
            }
            else if (c == ',' && !angle)
            {
                values.Add(line[start..i]);
                start = i + 1;
            }
        }

        if (quoted || angle)
        {
            return false;
        }

        values.Add(line[start..]);
        return true;
    }

    private static bool TryParseValue(string value, out ContactValue? contact, out string error)
    {
        contact = null;
        string uri;
        string parameters;
        var open = value.IndexOf('<', StringComparison.Ordinal);
        if (open >= 0)
        {
            var close = value.IndexOf('>', open);
            if (close < 0)
            {
                error = "Contact: '<' without '>'";
                return false;
            }

            uri = value[(open + 1)..close].Trim();
            parameters = value[(close + 1)..];
        }
        else
        {
            var semi = value.IndexOf(';', StringComparison.Ordinal);
            uri = (semi < 0 ? value : value[..semi]).Trim();
            parameters = semi < 0 ? string.Empty : value[semi..];
        }

        if (!ContactUri.LooksLikeSipUri(uri))
        {
            error = $"Contact: '{Shorten(uri)}' is not a sip: or sips: URI";
            return false;
        }

        int? expires = null;
        var q = 1000;
        string? instance = null;
        var regId = 0;
        foreach (var part in parameters.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? part : part[..eq].Trim();
            var text = eq < 0 ? string.Empty : part[(eq + 1)..].Trim();
            if (name.Equals("expires", StringComparison.OrdinalIgnoreCase))
            {
                if (!TryParseSeconds(text, out var seconds))
                {
                    error = $"Contact: expires '{Shorten(text)}' is not a number of seconds";
                    return false;
                }

                expires = seconds;
            }
            else if (name.Equals("q", StringComparison.OrdinalIgnoreCase))
            {
                if (!TryParseQ(text, out q))
                {
                    error = $"Contact: q '{Shorten(text)}' is not a value 0..1";
                    return false;
                }
            }
            else if (name.Equals("+sip.instance", StringComparison.OrdinalIgnoreCase))
            {
                instance = text.Trim('"');
            }
            else if (name.Equals("reg-id", StringComparison.OrdinalIgnoreCase)
                     && !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out regId))
            {
                error = $"Contact: reg-id '{Shorten(text)}' is not a number";
                return false;
            }
        }

        contact = new ContactValue(uri, expires, q, instance, regId);
        error = string.Empty;
        return true;
    }

    /// <summary>delta-seconds; values beyond int range are clamped (RFC 3261 §20.19: a huge value means "very long").</summary>
    public static bool TryParseSeconds(string text, out int seconds)
    {
        seconds = 0;
        text = text.Trim();
        if (text.Length == 0 || text.Length > 40 || !text.All(char.IsAsciiDigit))
        {
            return false;
        }

        seconds = text.Length > 9 ? int.MaxValue : int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return true;
    }

    /// <summary>qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), as thousandths.</summary>
    public static bool TryParseQ(string text, out int q)
    {
        q = 0;
        if (text.Length is 0 or > 5 || text[0] is not ('0' or '1') || (text.Length > 1 && text[1] != '.'))
        {
            return false;
        }

        var fraction = text.Length > 2 ? text[2..] : string.Empty;
        if (!fraction.All(char.IsAsciiDigit))
        {
            return false;
        }

        q = (text[0] - '0') * 1000 + (fraction.Length == 0 ? 0 : int.Parse(fraction.PadRight(3, '0'), CultureInfo.InvariantCulture));
        return q <= 1000;
    }

    internal static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";
}

/// <summary>Small helpers on Contact URIs (comparison, host:port), without a full URI parser.</summary>
public static class ContactUri
{
    public static bool LooksLikeSipUri(string uri) => LooksLikeSipUri(uri.AsSpan());

    /// <summary>As <see cref="LooksLikeSipUri(string)"/>, on a span (no enumerator, nothing allocated).</summary>
    public static bool LooksLikeSipUri(ReadOnlySpan<char> uri)
    {
        if (uri.Length is <= 4 or >= 1024
            || !(uri.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) || uri.StartsWith("sips:", StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        foreach (var c in uri)
        {
            if (char.IsWhiteSpace(c) || c is '<' or '>' or '"')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>RFC 3261 §19.1.4, simplified: scheme and host case-insensitive, user part exact, parameters ignored.</summary>
    public static bool Equivalent(string a, string b) =>
        string.Equals(Normalize(a), Normalize(b), StringComparison.Ordinal);

    /// <summary>The host and port (<c>host:port</c>, port 5060 when absent) of a SIP URI.</summary>
    public static string HostPort(string uri)
    {
        var rest = uri.AsSpan(uri.IndexOf(':', StringComparison.Ordinal) + 1);
        var at = rest.IndexOf('@');
        var hostPort = HostAndPort(at < 0 ? rest : rest[(at + 1)..], out var portColon);
        return (portColon > 0 ? hostPort.ToString() : string.Concat(hostPort, ":5060")).ToLowerInvariant();
    }

    /// <summary>
    /// The <c>host[:port]</c> at the start of what follows a URI's user part, without parameters and
    /// headers; <paramref name="portColon"/> is the index of the port's colon in it (IPv6 references
    /// in brackets), not above 0 when there is no port.
    /// </summary>
    public static ReadOnlySpan<char> HostAndPort(ReadOnlySpan<char> afterUser, out int portColon)
    {
        var end = afterUser.IndexOfAny(';', '?');
        var hostPort = end < 0 ? afterUser : afterUser[..end];
        portColon = hostPort.StartsWith('[') ? hostPort.IndexOf("]:", StringComparison.Ordinal) + 1 : hostPort.LastIndexOf(':');
        return hostPort;
    }

    private static string Normalize(string uri)
    {
        var colon = uri.IndexOf(':', StringComparison.Ordinal);
        var at = uri.IndexOf('@', StringComparison.Ordinal);
        var user = at < 0 ? string.Empty : uri[(colon + 1)..at];
        return uri[..colon].ToLowerInvariant() + ":" + user + "@" + HostPort(uri);
    }
}
