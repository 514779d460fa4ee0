using System.Globalization;
using ScriptedSip.Sdk.Plugins;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Plugins.Registrar;

/// <summary>What <see cref="Registrar.Lookup"/> found (Kamailio's lookup() return codes).</summary>
public enum LookupResult
{
    /// <summary>Request-URI rewritten to the best contact; the others appended as branches.</summary>
    Found = 1,

    /// <summary>The address-of-record has no live binding (answer 404).</summary>
    NotFound = -1,

    /// <summary>The Request-URI is not a SIP URI with a user part (answer 400 or 404).</summary>
    BadUri = -3,
}

/// <summary>
/// The registrar and location service for scripts (Kamailio's registrar + usrloc):
/// <c>Plugin&lt;Registrar&gt;().Save(Message)</c> in the REGISTER branch,
/// <c>Plugin&lt;Registrar&gt;().Lookup(Message)</c> before relaying to one of our users.
/// </summary>
public sealed class Registrar
{
    private readonly RegistrarOptions _options;
    private readonly TimeProvider _time;

    private readonly SerialForks _serial;

    internal Registrar(LocationService location, RegistrarOptions options, TimeProvider time, SerialForks serial)
    {
        _serial = serial;
        Location = location;
        _options = options;
        _time = time;
    }

    /// <summary>The location table behind this registrar (other plugins: NAT pings, management).</summary>
    public LocationService Location { get; }

    /// <summary>
    /// Handles a REGISTER (RFC 3261 §10.3) and answers it: 200 with every current binding
    /// (<c>Contact: &lt;uri&gt;;expires=N</c>) and Date; 400 for malformed Contact, Expires or CSeq;
    /// 423 with Min-Expires; 403 "Too many registered contacts"; 500 when the store failed.
    /// True when the bindings were stored (200).
    /// </summary>
    [RouteKinds(RouteKind.Request)]
    public bool Save(RouteGlobals message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!message.IsMethod("REGISTER"))
        {
            return Refuse(message, 405, "Method Not Allowed");
        }

        if (ToAor(message.Tu) is not { } aor)
        {
            return Refuse(message, 400, "Bad To URI");
        }

        if (!ContactHeader.TryParse(message.HdrAll("Contact"), _options.MaxContacts, out var contacts, out var star, out var error))
        {
            return error == ContactHeader.TooMany
                ? Refuse(message, 403, "Too many registered contacts")
                : Refuse(message, 400, error);
        }

        int? expiresHeader = null;
        if (message.Hdr("Expires") is { } expiresText)
        {
            if (!ContactHeader.TryParseSeconds(expiresText, out var seconds))
            {
                return Refuse(message, 400, "Bad Expires header");
            }

            expiresHeader = seconds;
        }

        var cseqText = message.Hdr("CSeq")?.Trim() ?? string.Empty;
        var space = cseqText.IndexOf(' ', StringComparison.Ordinal);
        if (!long.TryParse(space < 0 ? cseqText : cseqText[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var cseq))
        {
            return Refuse(message, 400, "Bad CSeq");
        }

        var paths = message.HdrAll("Path");
        var request = new RegisterRequest(
            aor,
            contacts,
            star,
            expiresHeader,
            message.Ci ?? string.Empty,
            cseq,
            Received: $"sip:{HostText(message.Si)}:{message.Sp.ToString(CultureInfo.InvariantCulture)};transport={message.Proto}",
            SourceIp: message.Si,
            Path: paths.Count == 0 ? null : string.Join(", ", paths),
            Socket: $"{message.Proto}:{HostText(message.Ri)}:{message.Rp.ToString(CultureInfo.InvariantCulture)}",
            UserAgent: message.Hdr("User-Agent"));
        var outcome = Location.Register(request);
        if (outcome.Status == 423)
        {
            message.AppendToReply("Min-Expires: " + _options.MinExpires.ToString(CultureInfo.InvariantCulture));
        }

        if (outcome.Status != 200)
        {
            return Refuse(message, outcome.Status, outcome.Reason);
        }

        var now = _time.GetUtcNow();
        foreach (var binding in outcome.Bindings)
        {
            var q = binding.Q == 1000 ? string.Empty : ";q=" + (binding.Q / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);
            message.AppendToReply($"Contact: <{binding.Contact}>;expires={binding.SecondsLeft(now).ToString(CultureInfo.InvariantCulture)}{q}");
        }

        if (request.Path is { } path)
        {
            message.AppendToReply("Path: " + path); // RFC 3327 §5.3: the registrar returns the Path it stored
        }

        message.AppendToReply("Date: " + now.ToString("r", CultureInfo.InvariantCulture));
        message.SlSendReply(200, "OK");
        return true;
    }

    /// <summary>
    /// Finds the bindings of the Request-URI's address-of-record (Kamailio's lookup("location")):
    /// the Request-URI becomes the best contact (highest q, then newest), <c>Du</c> its Path or — for
    /// a contact behind NAT — the address its REGISTER came from; the other contacts of the same
    /// q-value are appended as branches, so the next <c>TRelay()</c> forks in parallel; lower q-values
    /// wait for <see cref="NextContacts"/> in the failure route (serial forking).
    /// </summary>
    [RouteKinds(RouteKind.Request, RouteKind.Failure)]
    public LookupResult Lookup(RouteGlobals message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (ToAor(message.Ru) is not { } aor)
        {
            return LookupResult.BadUri;
        }

        var contacts = Location.Contacts(aor);
        if (contacts.Count == 0)
        {
            return LookupResult.NotFound;
        }

        // Serial forking by q-value (RFC 3261 §16.6, Kamailio's t_load_contacts): the best group now,
        // in parallel; the lower groups wait for NextContacts in the failure route. The contacts
        // come best first, so each group is a run of equal q.
        var groups = GroupsByQ(contacts);
        if (groups.Count > 1 || _serial.EverStashed)
        {
            // Only then is there something to stash, or an earlier lookup's groups for this request to drop.
            _serial.Stash(ForkKey(message), groups.Skip(1));
        }

        Target(message, groups[0]);
        return LookupResult.Found;
    }

    /// <summary>
    /// In a failure route: targets the next q-value group of contacts that <see cref="Lookup"/> left
    /// (Kamailio's t_next_contacts) — Request-URI, <c>Du</c> and branches set for the next
    /// <c>TRelay()</c>. False when no group is left.
    /// </summary>
    [RouteKinds(RouteKind.Request, RouteKind.Failure)]
    public bool NextContacts(RouteGlobals message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var now = _time.GetUtcNow();
        var group = _serial.Next(ForkKey(message))?.Where(b => b.Expires > now).ToList();
        if (group is null || group.Count == 0)
        {
            return false;
        }

        Target(message, group);
        return true;
    }

    private static List<List<Binding>> GroupsByQ(IReadOnlyList<Binding> bestFirst)
    {
        // Indexed (an interface foreach boxes its enumerator); one q-value — the usual case — is the list itself.
        if (bestFirst is List<Binding> { Count: > 0 } list && list[0].Q == list[^1].Q)
        {
            return [list];
        }

        var groups = new List<List<Binding>>(1);
        for (var i = 0; i < bestFirst.Count; i++)
        {
            var binding = bestFirst[i];
            if (groups.Count == 0 || groups[^1][0].Q != binding.Q)
            {
                groups.Add(new List<Binding>(bestFirst.Count));
            }

            groups[^1].Add(binding);
        }

        return groups;
    }

    /// <summary>Contact groups waiting for <see cref="NextContacts"/> (for tests and monitoring).</summary>
    public int PendingSerialForks => _serial.Count;

    private static void Target(RouteGlobals message, List<Binding> group)
    {
        var best = group[0];
        message.Ru = best.Contact;
        message.Du = NextHop(best);
        if (best.Path is { } path)
        {
            message.AppendHf("Route: " + path); // RFC 3327 §5.2: the request follows the stored Path
        }

        for (var i = 1; i < group.Count; i++)
        {
            message.AppendBranch(group[i].Contact, NextHop(group[i]));
        }
    }

    /// <summary>The transaction identity of a request, the same in its request and failure routes.</summary>
    private static string ForkKey(RouteGlobals message) => $"{message.Ci}|{message.Hdr("CSeq")}|{message.Hdr("From")}";

    /// <summary>True when the address-of-record (<c>sip:user@domain</c> or <c>user@domain</c>) has a live binding (registered()).</summary>
    public bool Registered(string aor) => Location.Contacts(Normalize(aor)).Count > 0;

    /// <summary>Removes every binding of the address-of-record (unregister()); true when there was one.</summary>
    public bool Unregister(string aor) => Location.Remove(Normalize(aor));

    /// <summary>The contact URIs of the address-of-record, best first.</summary>
    public IReadOnlyList<string> Contacts(string aor) => [.. Location.Contacts(Normalize(aor)).Select(b => b.Contact)];

    /// <summary>Where a request for this binding goes first: its Path, or its source address when the Contact names another (NAT).</summary>
    internal static string? NextHop(Binding binding)
    {
        if (binding.Path is { } path)
        {
            var first = path.Split(',')[0].Trim().Trim('<', '>');
            var semi = first.IndexOf(";lr", StringComparison.OrdinalIgnoreCase);
            return semi > 0 ? first[..semi] : first;
        }

        return binding.Nated ? binding.Received : null;
    }

    /// <summary>The address-of-record of a SIP URI: <c>user@host</c>, host lower-case, without port and parameters.</summary>
    public static string? ToAor(string? uri)
    {
        if (uri is null)
        {
            return null;
        }

        // Every lookup and save asks this: spans until the one string it returns.
        var trimmed = uri.AsSpan().Trim();
        if (!ContactUri.LooksLikeSipUri(trimmed))
        {
            return null;
        }

        var rest = trimmed[(trimmed.IndexOf(':') + 1)..];
        var at = rest.IndexOf('@');
        if (at <= 0)
        {
            return null;
        }

        var user = rest[..at];
        var host = ContactUri.HostAndPort(rest[(at + 1)..], out var portColon);
        host = portColon > 0 ? host[..portColon] : host;

        var length = user.Length + 1 + host.Length;
        Span<char> text = length <= 256 ? stackalloc char[length] : new char[length];
        user.CopyTo(text);
        text[user.Length] = '@';
        host.ToLowerInvariant(text[(user.Length + 1)..]);
        return new string(text);
    }

    private static string Normalize(string aor)
    {
        ArgumentNullException.ThrowIfNull(aor);
        return ToAor(aor.Contains(':', StringComparison.Ordinal) ? aor : "sip:" + aor) ?? aor;
    }

    private static string HostText(string ip) => ip.Contains(':', StringComparison.Ordinal) ? "[" + ip + "]" : ip;

    private static bool Refuse(RouteGlobals message, int status, string reason)
    {
        message.Xlog(ScriptLogLevel.Notice, $"REGISTER refused: {status} {reason}");
        message.SlSendReply(status, reason);
        return false;
    }
}
