namespace ScriptedSip.Core.Parsing;

/// <summary>Maps method tokens to <see cref="SipMethod"/>.</summary>
public static class SipMethods
{
    /// <summary>
    /// Method names are case-sensitive (RFC 3261 §7.1), so "invite" is an extension method, not INVITE.
    /// Switching on the length first keeps this to one or two comparisons per call.
    /// </summary>
    public static SipMethod Parse(ReadOnlySpan<byte> token) => token.Length switch
    {
        3 when token.SequenceEqual("ACK"u8) => SipMethod.Ack,
        3 when token.SequenceEqual("BYE"u8) => SipMethod.Bye,
        4 when token.SequenceEqual("INFO"u8) => SipMethod.Info,
        5 when token.SequenceEqual("PRACK"u8) => SipMethod.Prack,
        5 when token.SequenceEqual("REFER"u8) => SipMethod.Refer,
        6 when token.SequenceEqual("INVITE"u8) => SipMethod.Invite,
        6 when token.SequenceEqual("CANCEL"u8) => SipMethod.Cancel,
        6 when token.SequenceEqual("UPDATE"u8) => SipMethod.Update,
        6 when token.SequenceEqual("NOTIFY"u8) => SipMethod.Notify,
        7 when token.SequenceEqual("OPTIONS"u8) => SipMethod.Options,
        7 when token.SequenceEqual("MESSAGE"u8) => SipMethod.Message,
        7 when token.SequenceEqual("PUBLISH"u8) => SipMethod.Publish,
        8 when token.SequenceEqual("REGISTER"u8) => SipMethod.Register,
        9 when token.SequenceEqual("SUBSCRIBE"u8) => SipMethod.Subscribe,
        _ => SipMethod.Unknown,
    };

    /// <summary>The canonical token for a known method (empty for <see cref="SipMethod.Unknown"/>).</summary>
    public static ReadOnlySpan<byte> Token(SipMethod method) => method switch
    {
        SipMethod.Invite => "INVITE"u8,
        SipMethod.Ack => "ACK"u8,
        SipMethod.Bye => "BYE"u8,
        SipMethod.Cancel => "CANCEL"u8,
        SipMethod.Register => "REGISTER"u8,
        SipMethod.Options => "OPTIONS"u8,
        SipMethod.Info => "INFO"u8,
        SipMethod.Update => "UPDATE"u8,
        SipMethod.Prack => "PRACK"u8,
        SipMethod.Subscribe => "SUBSCRIBE"u8,
        SipMethod.Notify => "NOTIFY"u8,
        SipMethod.Refer => "REFER"u8,
        SipMethod.Message => "MESSAGE"u8,
        SipMethod.Publish => "PUBLISH"u8,
        _ => default,
    };
}
