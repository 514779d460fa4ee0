using System.Text;

namespace ScriptedSip.Fuzz;

public static partial class FuzzCorpus
{
    /// <summary>Unlimited size (Sip:MaxMessageSize 65535) for the framer's first prefix byte.</summary>
    private const byte Unlimited = 0x80;

    private const string Invite =
        "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK1\r\n" +
        "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: framer-1\r\nCSeq: 1 INVITE\r\n" +
        "Max-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n";

    private const string Options =
        "OPTIONS sip:example.com SIP/2.0\r\nVia: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK2\r\n" +
        "From: <sip:alice@example.com>;tag=2\r\nTo: <sip:example.com>\r\nCall-ID: framer-2\r\nCSeq: 2 OPTIONS\r\n" +
        "Max-Forwards: 70\r\nl: 0\r\n\r\n";

    private const string Reply =
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK2\r\nFrom: <sip:alice@example.com>;tag=2\r\n" +
        "To: <sip:example.com>;tag=3\r\nCall-ID: framer-2\r\nCSeq: 2 OPTIONS\r\nContent-Length: 0\r\n\r\n";

    /// <summary>
    /// Streams as a peer sends them: one message, several in one buffer with keep-alives between
    /// them (double CRLF pings, single CRLF pongs), compact Content-Length, and the refusals
    /// (no or bad Content-Length, too large, no SIP start line, a TLS handshake); then every fixture
    /// message, alone and three in a row.
    /// </summary>
    private static IEnumerable<byte[]> FramerSeeds(List<byte[]> messages)
    {
        byte[] Stream(byte size, byte cut1, byte cut2, byte cut3, string text) => [size, cut1, cut2, cut3, .. Encoding.Latin1.GetBytes(text)];

        yield return Stream(Unlimited, 0, 0, 0, Invite);
        yield return Stream(Unlimited, 40, 120, 200, Invite + Options + Reply);
        yield return Stream(Unlimited, 3, 100, 250, "\r\n\r\n" + Invite + "\r\n\r\n" + Options + "\r\n" + Reply + "\r\n\r\n");
        yield return Stream(Unlimited, 1, 2, 3, "\r\n\r\n\r\n\r\n");
        yield return Stream(Unlimited, 64, 128, 192, "\r\n\r\n\r\n");
        yield return Stream(Unlimited, 128, 0, 0, Invite[..(Invite.Length - 3)]);
        yield return Stream(Unlimited, 90, 0, 0, Options.Replace("l: 0", "Content-Length: 99999999999", StringComparison.Ordinal));
        yield return Stream(Unlimited, 90, 0, 0, Options.Replace("l: 0", "Content-Length: -1", StringComparison.Ordinal));
        yield return Stream(Unlimited, 90, 0, 0, Options.Replace("l: 0\r\n", string.Empty, StringComparison.Ordinal));
        yield return Stream(Unlimited, 10, 0, 0, "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n");
        yield return Stream(Unlimited, 0, 0, 0, "\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003");
        yield return Stream(Unlimited, 0, 0, 0, "\r\nX");
        yield return Stream(20, 50, 150, 0, Invite + Options); // Sip:MaxMessageSize 176: the INVITE fits, the OPTIONS does not
        yield return Stream(2, 128, 0, 0, Invite); // 32 bytes: no end of the header section within the limit

        foreach (var message in messages)
        {
            yield return [Unlimited, 37, 111, 200, .. message];
        }

        for (var i = 0; i + 2 < messages.Count; i += 3)
        {
            yield return [Unlimited, 85, 170, 255, .. messages[i], .. "\r\n\r\n"u8, .. messages[i + 1], .. "\r\n"u8, .. messages[i + 2]];
        }
    }
}
