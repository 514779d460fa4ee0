using System.Buffers.Text;
using ScriptedSip.Core.Parsing;

namespace ScriptedSip.Core.Messages;

/// <summary>
/// The To-tag of a stateless reply: derived from the request (Call-ID, From tag, Via branch) and a
/// per-process secret, so a retransmitted request gets the same tag back without keeping state.
/// </summary>
public static class StatelessToTag
{
    public const int Length = 16;

    public static void Write(SipMessage message, uint secret, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(message);
        var hash = StatelessBranch.Mix(2166136261u ^ secret, message.Span(message.CallId));
        hash = StatelessBranch.Mix(hash, message.Span(message.From.Tag));
        var second = StatelessBranch.Mix(hash ^ 0x9e3779b9u, message.Span(message.TopVia.Branch));
        Utf8Formatter.TryFormat(secret, destination, out _, new System.Buffers.StandardFormat('x', 8));
        Utf8Formatter.TryFormat(hash ^ second, destination[8..], out _, new System.Buffers.StandardFormat('x', 8));
    }
}
