using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ScriptedSip.Plugins.Permissions;

/// <summary>
/// One entry of an address group: a network (address and prefix length), optionally a port and a
/// transport. Written <c>[udp:|tcp:|tls:]ADDRESS[/BITS][:PORT]</c>, IPv6 in brackets when a port
/// follows (<c>[2001:db8::]/32:5060</c>); a bare address is one host (/32, /128).
/// </summary>
internal sealed class AddressRule
{
    private readonly UInt128 _network;
    private readonly UInt128 _mask;

    private AddressRule(string text, bool v6, UInt128 network, UInt128 mask, int port, string? transport)
    {
        Text = text;
        IsV6 = v6;
        _network = network;
        _mask = mask;
        Port = port;
        Transport = transport;
    }

    /// <summary>The entry as configured.</summary>
    public string Text { get; }

    public bool IsV6 { get; }

    /// <summary>0 = any port.</summary>
    public int Port { get; }

    /// <summary>Lower-case transport, or null for any.</summary>
    public string? Transport { get; }

    public bool Matches(bool v6, UInt128 address, int port, string transport) =>
        v6 == IsV6
        && (address & _mask) == _network
        && (Port == 0 || Port == port)
        && (Transport is null || string.Equals(Transport, transport, StringComparison.OrdinalIgnoreCase));

    /// <summary>Parses one entry; on failure <paramref name="error"/> says what is wrong with it.</summary>
    public static bool TryParse(string? text, out AddressRule? rule, out string error)
    {
        rule = null;
        var value = text?.Trim() ?? string.Empty;
        if (value.Length == 0)
        {
            error = "is empty";
            return false;
        }

        var rest = value.AsSpan();
        string? transport = null;
        foreach (var name in (ReadOnlySpan<string>)["udp", "tcp", "tls"])
        {
            if (rest.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            {
                transport = name;
                rest = rest[(name.Length + 1)..];
                break;
            }
        }

        ReadOnlySpan<char> addressText;
        ReadOnlySpan<char> bitsText = default;
        ReadOnlySpan<char> portText = default;
        if (rest.StartsWith("["))
        {
            var close = rest.IndexOf(']');
            if (close < 0)
            {
                error = $"'{value}' has no closing ']'";
                return false;
            }

            addressText = rest[1..close];
            var tail = rest[(close + 1)..];
            if (tail.StartsWith("/"))
            {
                var colon = tail.IndexOf(':');
                bitsText = colon < 0 ? tail[1..] : tail[1..colon];
                tail = colon < 0 ? default : tail[colon..];
            }

            if (tail.StartsWith(":"))
            {
                portText = tail[1..];
            }
            else if (!tail.IsEmpty)
            {
                error = $"'{value}' is not [udp:|tcp:|tls:]ADDRESS[/BITS][:PORT]";
                return false;
            }
        }
        else
        {
            var slash = rest.IndexOf('/');
            var before = slash < 0 ? rest : rest[..slash];
            var after = slash < 0 ? default : rest[(slash + 1)..];
            var v6 = before.Count(':') > 1;
            if (v6)
            {
                addressText = before;
                bitsText = after;
            }
            else if (slash < 0)
            {
                var colon = before.IndexOf(':');
                addressText = colon < 0 ? before : before[..colon];
                portText = colon < 0 ? default : before[(colon + 1)..];
            }
            else
            {
                addressText = before;
                var colon = after.IndexOf(':');
                bitsText = colon < 0 ? after : after[..colon];
                portText = colon < 0 ? default : after[(colon + 1)..];
            }

            if (slash >= 0 && bitsText.IsEmpty)
            {
                error = $"'{value}' has no prefix length after '/'";
                return false;
            }
        }

        if (!IPAddress.TryParse(addressText, out var address) || (address.AddressFamily == AddressFamily.InterNetwork && addressText.Count('.') != 3))
        {
            error = $"'{value}': '{addressText}' is not an IP address";
            return false;
        }

        var isV6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        var maxBits = isV6 ? 128 : 32;
        var bits = maxBits;
        if (!bitsText.IsEmpty && (!int.TryParse(bitsText, NumberStyles.None, CultureInfo.InvariantCulture, out bits) || bits > maxBits))
        {
            error = $"'{value}': the prefix length must be 0..{maxBits}";
            return false;
        }

        var port = 0;
        if (!portText.IsEmpty && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            error = $"'{value}': the port must be 1..65535";
            return false;
        }

        var number = ToNumber(address);
        var mask = bits == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - bits);
        if (!isV6)
        {
            mask = bits == 0 ? UInt128.Zero : (UInt128)(uint.MaxValue << (32 - bits));
        }

        if ((number & mask) != number)
        {
            error = $"'{value}' has host bits set after /{bits} (the network is {FromNumber(number & mask, isV6)}/{bits})";
            return false;
        }

        rule = new AddressRule(value, isV6, number, mask, port, transport);
        error = string.Empty;
        return true;
    }

    /// <summary>An address as a number: IPv4 in the low 32 bits, IPv6 as all 128.</summary>
    public static UInt128 ToNumber(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        return ToNumber(bytes[..written]);
    }

    /// <summary>4 or 16 bytes in network order as a number.</summary>
    public static UInt128 ToNumber(ReadOnlySpan<byte> bytes) => bytes.Length == 4
        ? BinaryPrimitives.ReadUInt32BigEndian(bytes)
        : BinaryPrimitives.ReadUInt128BigEndian(bytes);

    private static string FromNumber(UInt128 number, bool v6)
    {
        if (!v6)
        {
            return new IPAddress(BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness((uint)number) : (uint)number).ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, number);
        return new IPAddress(bytes).ToString();
    }
}
