using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using ScriptedSip.Sdk.Plugins;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Plugins.NatHelper;

/// <summary>What <see cref="NatHelper.NatUacTest"/> looks at (Kamailio's nat_uac_test flags; combine with |).</summary>
[Flags]
public enum NatTest
{
    None = 0,

    /// <summary>The Contact names a private address (RFC 1918, RFC 6598).</summary>
    PrivateContact = 1,

    /// <summary>The top Via's address differs from the source address.</summary>
    ViaAddressDiffers = 2,

    /// <summary>The SDP connection address (c=) is private.</summary>
    PrivateSdp = 8,

    /// <summary>The top Via's port differs from the source port.</summary>
    ViaPortDiffers = 16,
}

/// <summary>
/// Kamailio's nathelper for scripts: detect a user agent behind NAT, and make its Contact reachable
/// — rewritten to the source address (<see cref="FixNatedContact"/>) or carried as an
/// <c>;alias=ip~port~proto</c> parameter (<see cref="SetContactAlias"/>) that the proxy turns back
/// into the next hop (<see cref="HandleRuriAlias"/>). SDP is not rewritten: that is an RTP proxy's job.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Scripts call these on the exported instance: Plugin<NatHelper>().NatUacTest(Message, …).")]
public sealed partial class NatHelper
{
    /// <summary>True when any of the requested tests says the sender is behind NAT.</summary>
    public bool NatUacTest(RouteGlobals message, NatTest tests)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (tests.HasFlag(NatTest.PrivateContact) && ContactHost(message) is { } contact && IsPrivate(contact.Host))
        {
            return true;
        }

        var via = ViaSentBy(message.Hdr("Via"));
        if (via is { } v && tests.HasFlag(NatTest.ViaAddressDiffers) && !string.Equals(v.Host, message.Si, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (via is { } p && tests.HasFlag(NatTest.ViaPortDiffers) && p.Port != message.Sp)
        {
            return true;
        }

        return tests.HasFlag(NatTest.PrivateSdp) && SdpConnection().Match(message.Mb) is { Success: true } sdp && IsPrivate(sdp.Groups[1].Value);
    }

    /// <summary>Rewrites the Contact's host:port to the source address and port (fix_nated_contact); false without a Contact.</summary>
    [RouteKinds(RouteKind.Request)]
    public bool FixNatedContact(RouteGlobals message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Hdr("Contact") is not { } contact || ContactHost(message) is not { } hostPort)
        {
            return false;
        }

        var replaced = contact.Replace(hostPort.Text, $"{HostText(message.Si)}:{message.Sp.ToString(CultureInfo.InvariantCulture)}", StringComparison.Ordinal);
        message.RemoveHf("Contact");
        return message.AppendHf("Contact: " + replaced);
    }

    /// <summary>Adds <c>;alias=ip~port~proto</c> of the source to the Contact URI when it differs from it (set_contact_alias).</summary>
    [RouteKinds(RouteKind.Request)]
    public bool SetContactAlias(RouteGlobals message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Hdr("Contact") is not { } contact || ContactHost(message) is not { } hostPort)
        {
            return false;
        }

        var source = $"{HostText(message.Si)}:{message.Sp.ToString(CultureInfo.InvariantCulture)}";
        if (string.Equals(hostPort.Text, source, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var alias = $";alias={message.Si}~{message.Sp.ToString(CultureInfo.InvariantCulture)}~{ProtoNumber(message.Proto)}";
        var close = contact.IndexOf('>', StringComparison.Ordinal);
        var rewritten = close > 0 ? contact.Insert(close, alias) : "<" + contact + alias + ">";
        message.RemoveHf("Contact");
        return message.AppendHf("Contact: " + rewritten);
    }

    /// <summary>
    /// When the Request-URI carries an <c>alias</c> parameter (from <see cref="SetContactAlias"/>): sets
    /// <c>Du</c> to the aliased address and removes the parameter (handle_ruri_alias). False when there is none.
    /// </summary>
    [RouteKinds(RouteKind.Request, RouteKind.Failure)]
    public bool HandleRuriAlias(RouteGlobals message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var match = message.Ru is { } ru ? AliasParam().Match(ru) : Match.Empty;
        if (!match.Success)
        {
            return false;
        }

        var proto = match.Groups[3].Value switch
        {
            "2" => "tcp",
            "3" => "tls",
            _ => "udp",
        };
        message.Du = $"sip:{HostText(match.Groups[1].Value)}:{match.Groups[2].Value};transport={proto}";
        message.Ru = message.Ru!.Remove(match.Index, match.Length);
        return true;
    }

    /// <summary>True for private IPv4 addresses (RFC 1918, RFC 6598 shared space) and IPv6 unique-local addresses.</summary>
    public static bool IsPrivate(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (!IPAddress.TryParse(host.Trim('[', ']'), out var address))
        {
            return false;
        }

        var b = address.GetAddressBytes();
        return address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? b[0] == 10 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168) || (b[0] == 100 && b[1] is >= 64 and <= 127)
            : (b[0] & 0xfe) == 0xfc;
    }

    private static (string Text, string Host)? ContactHost(RouteGlobals message)
    {
        var contact = message.Hdr("Contact");
        var match = contact is null ? Match.Empty : ContactHostPort().Match(contact);
        return match.Success ? (match.Groups[1].Value, match.Groups[2].Value) : null;
    }

    private static (string Host, int Port)? ViaSentBy(string? via)
    {
        var match = via is null ? Match.Empty : ViaSentByPattern().Match(via);
        if (!match.Success)
        {
            return null;
        }

        var port = match.Groups[2].Success ? int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) : 5060;
        return (match.Groups[1].Value.Trim('[', ']'), port);
    }

    private static string HostText(string ip) => ip.Contains(':', StringComparison.Ordinal) ? "[" + ip + "]" : ip;

    private static int ProtoNumber(string proto) => proto switch
    {
        "tcp" => 2,
        "tls" => 3,
        _ => 1,
    };

    [GeneratedRegex(@"sips?:(?:[^@>;]*@)?((\[[0-9a-fA-F:.]+\]|[^:;>?]+)(?::\d+)?)", RegexOptions.IgnoreCase)]
    private static partial Regex ContactHostPort();

    [GeneratedRegex(@"SIP/2\.0/[A-Za-z]+\s+(\[[0-9a-fA-F:.]+\]|[^:;,\s]+)(?::(\d{1,5}))?", RegexOptions.IgnoreCase)]
    private static partial Regex ViaSentByPattern();

    [GeneratedRegex(@"^c=IN IP[46] (\S+)", RegexOptions.Multiline)]
    private static partial Regex SdpConnection();

    [GeneratedRegex(@";alias=([0-9a-fA-F:.]+)~(\d{1,5})~([1-3])", RegexOptions.IgnoreCase)]
    private static partial Regex AliasParam();
}

/// <summary>Kamailio's nathelper as a plugin (detection and Contact fixing; the keep-alive pings live in the Registrar plugin, beside the bindings they read).</summary>
public sealed class NatHelperPlugin : IScriptedSipPlugin
{
    public string Name => "NatHelper";

    public void Configure(IPluginContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Export(new NatHelper());
    }
}
