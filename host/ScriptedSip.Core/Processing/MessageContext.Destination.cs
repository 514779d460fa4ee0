using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Core.Processing;

/// <summary>The next hop ($du) and the header lines a route adds to its replies (append_to_reply).</summary>
public sealed partial class MessageContext
{
    public override string? Du
    {
        get => _m.Destination;
        set
        {
            if (!IsRequestLike)
            {
                NotHere("Du");
                return;
            }

            _m.Destination = string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        }
    }

    public override bool AppendToReply(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!IsRequestLike)
        {
            return NotHere(nameof(AppendToReply));
        }

        var line = text.TrimEnd('\r', '\n');
        if (line.Contains('\n', StringComparison.Ordinal) || line.Contains('\r', StringComparison.Ordinal) || line.IndexOf(':', StringComparison.Ordinal) <= 0)
        {
            return Misuse(nameof(AppendToReply), "the text is not one header line (Name: value)");
        }

        _m.AppendReplyHeader(line);
        return true;
    }
}
