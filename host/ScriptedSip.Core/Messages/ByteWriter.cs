using System.Buffers.Text;
using System.Text.Unicode;

namespace ScriptedSip.Core.Messages;

/// <summary>
/// Appends to a caller-provided span and remembers overflow instead of throwing, so writers can emit a
/// whole message and check once at the end (<see cref="Result"/> is -1 if anything did not fit).
/// </summary>
internal ref struct ByteWriter
{
    private readonly Span<byte> _destination;
    private int _position;
    private bool _overflow;

    public ByteWriter(Span<byte> destination)
    {
        _destination = destination;
        _position = 0;
        _overflow = false;
    }

    /// <summary>Bytes written, or -1 if the destination was too small.</summary>
    public readonly int Result => _overflow ? -1 : _position;

    public readonly int Position => _position;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        if (_overflow)
        {
            return;
        }

        if (bytes.TryCopyTo(_destination[_position..]))
        {
            _position += bytes.Length;
        }
        else
        {
            _overflow = true;
        }
    }

    public void Write(byte b)
    {
        if (_overflow)
        {
            return;
        }

        if (_position < _destination.Length)
        {
            _destination[_position++] = b;
        }
        else
        {
            _overflow = true;
        }
    }

    public void WriteNumber(int value)
    {
        if (_overflow)
        {
            return;
        }

        if (Utf8Formatter.TryFormat(value, _destination[_position..], out int written))
        {
            _position += written;
        }
        else
        {
            _overflow = true;
        }
    }

    /// <summary>For CSeq numbers, which use the full 32-bit unsigned range (RFC 3261 §8.1.1.5).</summary>
    public void WriteNumber(uint value)
    {
        if (_overflow)
        {
            return;
        }

        if (Utf8Formatter.TryFormat(value, _destination[_position..], out int written))
        {
            _position += written;
        }
        else
        {
            _overflow = true;
        }
    }

    /// <summary>
    /// Writes text as UTF-8 with CR and LF turned into spaces: a caller-supplied reason phrase must not
    /// be able to end the line and inject headers.
    /// </summary>
    public void WriteSingleLineText(ReadOnlySpan<char> text)
    {
        if (_overflow)
        {
            return;
        }

        var target = _destination[_position..];
        if (Utf8.FromUtf16(text, target, out _, out int written) != System.Buffers.OperationStatus.Done)
        {
            _overflow = true;
            return;
        }

        target[..written].Replace((byte)'\r', (byte)' ');
        target[..written].Replace((byte)'\n', (byte)' ');
        _position += written;
    }
}
