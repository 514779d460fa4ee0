using System.Text;

namespace ScriptedSip.Core.Tests.Parsing;

/// <summary>Hand-written messages shared by several tests.</summary>
internal static class SampleMessages
{
    public const string InviteText =
        "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n" +
        "Max-Forwards: 70\r\n" +
        "To: Bob <sip:bob@biloxi.example.com>\r\n" +
        "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n" +
        "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n" +
        "CSeq: 314159 INVITE\r\n" +
        "Contact: <sip:alice@pc33.atlanta.example.com>\r\n" +
        "Content-Type: application/sdp\r\n" +
        "Content-Length: 4\r\n" +
        "\r\n" +
        "v=0\n";

    public static byte[] Invite => Encoding.ASCII.GetBytes(InviteText);

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A minimal valid request around the given extra header lines (each ending in CRLF).</summary>
    public static byte[] Options(string extraHeaders = "", string body = "") => Bytes(
        "OPTIONS sip:carol@chicago.example.com SIP/2.0\r\n" +
        "Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKnashds8\r\n" +
        "To: <sip:carol@chicago.example.com>\r\n" +
        "From: <sip:alice@atlanta.example.com>;tag=1928301774\r\n" +
        "Call-ID: opt-1@192.0.2.4\r\n" +
        "CSeq: 63104 OPTIONS\r\n" +
        extraHeaders +
        "\r\n" +
        body);
}
