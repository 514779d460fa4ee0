using System.Text;

namespace ScriptedSip.Core.Parsing;

/// <summary>
/// Header name ⇄ <see cref="HeaderKind"/> mapping, including the compact forms registered with IANA
/// (RFC 3261 §7.3.3 and later RFCs). Names compare case-insensitively (RFC 3261 §7.3.1).
/// </summary>
public static class HeaderNames
{
    private readonly record struct Entry(byte[] Name, HeaderKind Kind, char Compact)
    {
        public byte[] Lower { get; } = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(Name).ToLowerInvariant());
    }

    private static readonly Entry[] Entries =
    [
        E("Via", HeaderKind.Via, 'v'),
        E("From", HeaderKind.From, 'f'),
        E("To", HeaderKind.To, 't'),
        E("Call-ID", HeaderKind.CallId, 'i'),
        E("CSeq", HeaderKind.CSeq),
        E("Max-Forwards", HeaderKind.MaxForwards),
        E("Content-Length", HeaderKind.ContentLength, 'l'),
        E("Content-Type", HeaderKind.ContentType, 'c'),
        E("Contact", HeaderKind.Contact, 'm'),
        E("Route", HeaderKind.Route),
        E("Record-Route", HeaderKind.RecordRoute),
        E("Supported", HeaderKind.Supported, 'k'),
        E("Require", HeaderKind.Require),
        E("Proxy-Require", HeaderKind.ProxyRequire),
        E("Unsupported", HeaderKind.Unsupported),
        E("Allow", HeaderKind.Allow),
        E("Expires", HeaderKind.Expires),
        E("User-Agent", HeaderKind.UserAgent),
        E("Server", HeaderKind.Server),
        E("Subject", HeaderKind.Subject, 's'),
        E("Event", HeaderKind.Event, 'o'),
        E("Authorization", HeaderKind.Authorization),
        E("Proxy-Authorization", HeaderKind.ProxyAuthorization),
        E("WWW-Authenticate", HeaderKind.WwwAuthenticate),
        E("Proxy-Authenticate", HeaderKind.ProxyAuthenticate),
        E("Content-Encoding", HeaderKind.ContentEncoding, 'e'),
        E("Content-Disposition", HeaderKind.ContentDisposition),
        E("Content-Language", HeaderKind.ContentLanguage),
        E("Accept", HeaderKind.Accept),
        E("Accept-Encoding", HeaderKind.AcceptEncoding),
        E("Accept-Language", HeaderKind.AcceptLanguage),
        E("Alert-Info", HeaderKind.AlertInfo),
        E("Authentication-Info", HeaderKind.AuthenticationInfo),
        E("Call-Info", HeaderKind.CallInfo),
        E("Date", HeaderKind.Date),
        E("Error-Info", HeaderKind.ErrorInfo),
        E("In-Reply-To", HeaderKind.InReplyTo),
        E("MIME-Version", HeaderKind.MimeVersion),
        E("Min-Expires", HeaderKind.MinExpires),
        E("Organization", HeaderKind.Organization),
        E("Priority", HeaderKind.Priority),
        E("Reply-To", HeaderKind.ReplyTo),
        E("Retry-After", HeaderKind.RetryAfter),
        E("Timestamp", HeaderKind.Timestamp),
        E("Warning", HeaderKind.Warning),
        E("Refer-To", HeaderKind.ReferTo, 'r'),
        E("Referred-By", HeaderKind.ReferredBy, 'b'),
        E("Allow-Events", HeaderKind.AllowEvents, 'u'),
        E("Subscription-State", HeaderKind.SubscriptionState),
        E("Session-Expires", HeaderKind.SessionExpires, 'x'),
        E("Min-SE", HeaderKind.MinSE),
        E("RSeq", HeaderKind.RSeq),
        E("RAck", HeaderKind.RAck),
        E("Path", HeaderKind.Path),
        E("Service-Route", HeaderKind.ServiceRoute),
        E("Privacy", HeaderKind.Privacy),
        E("P-Asserted-Identity", HeaderKind.PAssertedIdentity),
        E("P-Preferred-Identity", HeaderKind.PPreferredIdentity),
        E("Identity", HeaderKind.Identity, 'y'),
        E("Identity-Info", HeaderKind.IdentityInfo, 'n'),
        E("Accept-Contact", HeaderKind.AcceptContact, 'a'),
        E("Reject-Contact", HeaderKind.RejectContact, 'j'),
        E("Request-Disposition", HeaderKind.RequestDisposition, 'd'),
        E("Replaces", HeaderKind.Replaces),
        E("Reason", HeaderKind.Reason),
    ];

    // Lookup tables built once: a bucket per name length (so a lookup compares only a handful of
    // same-length names) and a direct table for the one-letter compact forms.
    private static readonly Entry[][] ByLength = BuildByLength();
    private static readonly HeaderKind[] CompactKinds = BuildCompact();
    private static readonly byte[][] CanonicalNames = BuildCanonical();

    private static Entry E(string name, HeaderKind kind, char compact = '\0') =>
        new(Encoding.ASCII.GetBytes(name), kind, compact);

    private static Entry[][] BuildByLength()
    {
        int max = Entries.Max(e => e.Name.Length);
        var buckets = new Entry[max + 1][];
        for (int len = 0; len <= max; len++)
        {
            buckets[len] = Entries.Where(e => e.Name.Length == len).ToArray();
        }

        return buckets;
    }

    private static HeaderKind[] BuildCompact()
    {
        var table = new HeaderKind[128];
        foreach (var e in Entries)
        {
            if (e.Compact != '\0')
            {
                table[e.Compact] = e.Kind;
                table[char.ToUpperInvariant(e.Compact)] = e.Kind;
            }
        }

        return table;
    }

    private static byte[][] BuildCanonical()
    {
        var names = new byte[Enum.GetValues<HeaderKind>().Length][];
        foreach (var e in Entries)
        {
            names[(int)e.Kind] = e.Name;
        }

        return names;
    }

    /// <summary>Kind for a header name as found on the wire (long or compact form, any case).</summary>
    public static HeaderKind Lookup(ReadOnlySpan<byte> name)
    {
        if (name.Length == 1)
        {
            byte c = name[0];
            return c < 128 ? CompactKinds[c] : HeaderKind.Other;
        }

        if ((uint)name.Length >= (uint)ByLength.Length)
        {
            return HeaderKind.Other;
        }

        foreach (var e in ByLength[name.Length])
        {
            if (EqualsLower(name, e.Lower))
            {
                return e.Kind;
            }
        }

        return HeaderKind.Other;
    }

    /// <summary>
    /// Compares against a pre-lowercased name. A plain loop beats the general-purpose case-insensitive
    /// compare on these short names, and this runs for every header of every message. A byte matches if
    /// it is equal, or if it is the upper-case form of a letter (OR-ing 0x20 folds only letters correctly).
    /// </summary>
    private static bool EqualsLower(ReadOnlySpan<byte> name, byte[] lower)
    {
        for (int i = 0; i < lower.Length; i++)
        {
            byte b = name[i];
            byte l = lower[i];
            if (b != l && ((b | 0x20) != l || (uint)(l - 'a') > 'z' - 'a'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Kind for a header name given as text (long or compact form, any case).</summary>
    public static HeaderKind Lookup(ReadOnlySpan<char> name)
    {
        if (name.Length == 1)
        {
            char c = name[0];
            return c < 128 ? CompactKinds[c] : HeaderKind.Other;
        }

        if ((uint)name.Length >= (uint)ByLength.Length)
        {
            return HeaderKind.Other;
        }

        foreach (var e in ByLength[name.Length])
        {
            if (Ascii.EqualsIgnoreCase(e.Name, name))
            {
                return e.Kind;
            }
        }

        return HeaderKind.Other;
    }

    /// <summary>The long-form name writers should use, e.g. "Call-ID" (empty for <see cref="HeaderKind.Other"/>).</summary>
    public static ReadOnlySpan<byte> CanonicalName(HeaderKind kind) =>
        (uint)kind < (uint)CanonicalNames.Length && CanonicalNames[(int)kind] is { } n ? n : default;
}
