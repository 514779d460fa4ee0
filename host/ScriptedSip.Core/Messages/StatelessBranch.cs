using ScriptedSip.Core.Parsing;

namespace ScriptedSip.Core.Messages;

/// <summary>
/// RFC 3261 §16.11: a stateless proxy must give a retransmission the same branch as the original,
/// and an ACK or CANCEL the branch of its INVITE. The hash covers what those share: the incoming
/// top Via branch, Call-ID, CSeq number and From tag — not the method.
/// </summary>
public static class StatelessBranch
{
    public static uint Compute(SipMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var hash = 2166136261u;
        hash = Mix(hash, message.Span(message.TopVia.Branch));
        hash = Mix(hash, message.Span(message.CallId));
        hash = Mix(hash, message.Span(message.From.Tag));
        var cseq = message.CSeqNumber;
        for (var i = 0; i < 4; i++)
        {
            hash = (hash ^ (byte)(cseq >> (8 * i))) * 16777619u;
        }

        return hash;
    }

    internal static uint Mix(uint hash, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (hash ^ 0xff) * 16777619u;
    }
}
