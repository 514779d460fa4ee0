using System.Text;
using System.Text.Unicode;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Messages;

/// <summary>
/// A request written before its next hop is known (a host name still being located, or a branch
/// that fails over to the next DNS target): every edit of the script is in, our Via and
/// Record-Route are not. <see cref="Compose"/> adds them for one outgoing listener, as
/// <see cref="RequestForwarder.Write"/> would have (Record-Route lines first, then our Via, both
/// right after the start line).
/// </summary>
public static class HopTemplate
{
    /// <summary>The template with our Record-Route (when asked) and our Via for <paramref name="outgoing"/>; null when the template has no start line.</summary>
    public static byte[]? Compose(ReadOnlySpan<byte> template, ISipTransport? incoming, ISipTransport outgoing, ReadOnlySpan<byte> branch, bool recordRoute)
    {
        ArgumentNullException.ThrowIfNull(outgoing);
        var lineEnd = template.IndexOf("\r\n"u8);
        if (lineEnd < 0)
        {
            return null;
        }

        var headers = new StringBuilder();
        if (recordRoute)
        {
            if (incoming is null || ReferenceEquals(incoming, outgoing) || incoming.Local == outgoing.Local)
            {
                var transport = outgoing.Protocol == SipProtocol.Udp ? string.Empty : ";transport=" + SipProtocolText.UriToken(outgoing.Protocol);
                headers.Append(System.Globalization.CultureInfo.InvariantCulture, $"Record-Route: <sip:{outgoing.Local.HostPort}{transport};lr>\r\n");
            }
            else
            {
                foreach (var side in (ReadOnlySpan<ISipTransport>)[outgoing, incoming])
                {
                    headers.Append(System.Globalization.CultureInfo.InvariantCulture, $"Record-Route: <sip:{side.Local.HostPort};transport={SipProtocolText.UriToken(side.Protocol)};lr;r2=on>\r\n");
                }
            }
        }

        headers.Append(System.Globalization.CultureInfo.InvariantCulture, $"Via: SIP/2.0/{SipProtocolText.ViaToken(outgoing.Protocol)} {outgoing.Local.HostPort};branch=");
        var added = Encoding.UTF8.GetBytes(headers.ToString());
        var at = lineEnd + 2;
        var output = new byte[template.Length + added.Length + branch.Length + 2];
        template[..at].CopyTo(output);
        added.CopyTo(output.AsSpan(at));
        branch.CopyTo(output.AsSpan(at + added.Length));
        "\r\n"u8.CopyTo(output.AsSpan(at + added.Length + branch.Length));
        template[at..].CopyTo(output.AsSpan(at + added.Length + branch.Length + 2));
        return output;
    }

    /// <summary>Our Via branch for branch <paramref name="number"/> of a transaction (the form <c>BranchReplies.TryParseOurBranch</c> reads).</summary>
    public static bool TryWriteBranch(Span<byte> destination, uint index, uint branchKey, int number, out int length) =>
        Utf8.TryWrite(destination, $"z9hG4bK{index:x}.{branchKey:x}.{number}", out length);
}
