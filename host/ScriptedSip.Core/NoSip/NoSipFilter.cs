using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;

namespace ScriptedSip.Core.NoSip;

/// <summary>
/// MsgSkip / MsgMatch, compiled once at start with a match timeout. Unlike Kamailio's msg_match,
/// which looks only at the second token of the packet (and fails on one-token packets), both
/// patterns see the whole packet text. Matching decodes into a pooled char buffer: no allocation
/// per packet.
/// </summary>
public sealed class NoSipFilter
{
    private readonly Regex? _match;
    private readonly Regex? _skip;

    public NoSipFilter(NoSipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var timeout = TimeSpan.FromMilliseconds(Math.Max(1, options.RegexTimeoutMs));
        _match = Compile(options.MsgMatch, timeout);
        _skip = Compile(options.MsgSkip, timeout);
    }

    public NoSipVerdict Check(ReadOnlySpan<byte> packet)
    {
        if (_match is null && _skip is null)
        {
            return NoSipVerdict.Run;
        }

        var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(packet.Length));
        try
        {
            var text = chars.AsSpan(0, Encoding.UTF8.GetChars(packet, chars));
            if (_skip is not null && _skip.IsMatch(text))
            {
                return NoSipVerdict.Skip;
            }

            return _match is null || _match.IsMatch(text) ? NoSipVerdict.Run : NoSipVerdict.NotMatched;
        }
        catch (RegexMatchTimeoutException)
        {
            // A packet that makes a pattern run away is not trusted to run the route.
            return NoSipVerdict.NotMatched;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>Null when the pattern is valid (or empty), else why it is not.</summary>
    public static string? Validate(string? pattern)
    {
        if (string.IsNullOrEmpty(pattern))
        {
            return null;
        }

        try
        {
            _ = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            return null;
        }
        catch (ArgumentException ex)
        {
            return $"invalid regular expression: {ex.Message}";
        }
    }

    private static Regex? Compile(string? pattern, TimeSpan timeout) =>
        string.IsNullOrEmpty(pattern) ? null : new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled, timeout);
}
