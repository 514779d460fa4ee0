using System.Buffers;
using System.Text;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Stats;

namespace ScriptedSip.Core.Transport.Streams;

/// <summary>
/// The 400 a stream connection gets for a header section that parsed but cannot be framed (no or
/// bad Content-Length, too large), before the connection closes: addressed from the header section
/// itself, with the problem in a Warning header. Rare by nature, so one scratch message and one
/// output buffer per listener, under a lock.
/// </summary>
internal sealed class BadFramingReplier(StatelessReplier replier, SipCounters counters)
{
    private readonly SipMessage _scratch = new();
    private readonly byte[] _output = new byte[OutputBuffer.Size];

    public void Reply(StreamConnection connection, ReadOnlySequence<byte> headerSection, string problem)
    {
        // The parser checks Content-Length against the body; without its lines the header section
        // parses as a message without body, enough to address a reply.
        var bytes = WithoutContentLength(headerSection.ToArray());
        lock (_scratch)
        {
            if (_scratch.Parse(bytes) != SipParseStatus.Ok || !_scratch.IsRequest || _scratch.Method == SipMethod.Ack)
            {
                return;
            }

            var warning = Encoding.ASCII.GetBytes($"Warning: 399 - \"{problem.Replace('"', '\'')}\"\r\n");
            var length = replier.Write(_scratch, connection.Remote, 400, "Bad Request", warning, _output);
            if (length > 0 && connection.Write(_output.AsSpan(0, length)))
            {
                counters.ReplySent(400, sent: true);
            }
        }
    }

    private static byte[] WithoutContentLength(byte[] headerSection)
    {
        var text = Encoding.Latin1.GetString(headerSection);
        var lines = text.Split("\r\n").Where(line =>
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = colon > 0 ? line[..colon].Trim() : string.Empty;
            return !name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && !name.Equals("l", StringComparison.OrdinalIgnoreCase);
        });
        return Encoding.Latin1.GetBytes(string.Join("\r\n", lines));
    }
}
