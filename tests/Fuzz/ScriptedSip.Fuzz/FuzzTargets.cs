using System.Text;
using Microsoft.Extensions.Configuration;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.NoSip;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Host.Configuration;

namespace ScriptedSip.Fuzz;

/// <summary>
/// One entry per fuzz target: each takes arbitrary bytes and must return without an exception (an
/// exception is a crash to AFL, and a failed replay in the test suite). An exception the server
/// catches per message is caught here too (<see cref="ServerBoundary"/>): what escapes is what the
/// server would not survive, or an oracle — a property known to hold (an edited message must
/// re-parse) — that failed.
/// </summary>
public static class FuzzTargets
{
    /// <summary>Target names, as given to the fuzz program and to bench/fuzz/run.sh.</summary>
    public static IReadOnlyDictionary<string, Action<byte[]>> All { get; } = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["parser"] = Parser,
        ["uri"] = Uri,
        ["via"] = Via,
        ["name-addr"] = NameAddrValue,
        ["editor"] = Editor,
        ["nosip"] = NoSip,
        ["config"] = Config,
        ["framer"] = FramerTarget.Run,
        ["digest"] = DigestTarget.Run,
    };

    /// <summary>The whole message parser, then every accessor a route or the core reads.</summary>
    public static void Parser(byte[] data)
    {
        var message = new SipMessage();
        if (message.Parse(data) != SipParseStatus.Ok)
        {
            return;
        }

        _ = message.TryParseRequestUri(out _);
        for (var i = 0; i < message.HeaderCount; i++)
        {
            var header = message.Header(i);
            _ = message.GetString(header.Value);
            foreach (var value in message.HeaderValues(i))
            {
                var span = message.Buffer.Span;
                switch (header.Kind)
                {
                    case HeaderKind.Via:
                        _ = ViaParser.TryParse(span, value.Start, value.End, out _);
                        break;
                    case HeaderKind.Route or HeaderKind.RecordRoute or HeaderKind.Contact or HeaderKind.From or HeaderKind.To:
                        _ = NameAddrParser.TryParse(span, value.Start, value.End, out _);
                        break;
                }
            }
        }

        _ = message.FindHeader("X-Unknown");
        _ = message.Span(message.Body).Length;
    }

    public static void Uri(byte[] data) => _ = SipUriParser.TryParse(data, out _);

    public static void Via(byte[] data) => _ = ViaParser.TryParse(data, 0, data.Length, out _);

    public static void NameAddrValue(byte[] data) => _ = NameAddrParser.TryParse(data, 0, data.Length, out _);

    /// <summary>
    /// Parse, apply edits chosen by the first bytes (the rest is the message), write, re-parse: a
    /// message that parsed and got well-formed edits must parse again, with the same Call-ID.
    /// </summary>
    /// <remarks>Edits run in a worker's turn (caught per message); the re-parse oracle is the finding.</remarks>
    public static void Editor(byte[] data)
    {
        if (data.Length < 4)
        {
            return;
        }

        string? callId = null;
        var output = Array.Empty<byte>();
        var length = -1;
        if (!ServerBoundary.CaughtPerMessage(() => length = Edit(data, out callId, out output)) || length < 0)
        {
            return; // did not parse, or did not fit: a reported outcome, not a crash
        }

        var again = new SipMessage();
        var status = again.Parse(output.AsMemory(0, length));
        if (status != SipParseStatus.Ok)
        {
            throw new InvalidOperationException($"an edited message no longer parses: {again.Error}");
        }

        if (again.GetString(again.CallId) != callId)
        {
            throw new InvalidOperationException("an edit changed the Call-ID");
        }
    }

    /// <summary>The edits chosen by the first four bytes, written out; -1 when the message did not parse or the output did not fit.</summary>
    private static int Edit(byte[] data, out string? callId, out byte[] output)
    {
        var ops = data.AsSpan(0, 4).ToArray();
        var message = new SipMessage();
        output = new byte[data.Length + 4096];
        callId = null;
        if (message.Parse(data.AsMemory(4)) != SipParseStatus.Ok)
        {
            return -1;
        }

        callId = message.GetString(message.CallId);
        var editor = new SipMessageEditor();
        editor.Reset(message);
        foreach (var op in ops)
        {
            switch (op % 7)
            {
                case 0:
                    editor.InsertTopHeader("Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKfuzz\r\n"u8);
                    break;
                case 1:
                    editor.AppendHeader("X-Fuzz: 1\r\n"u8);
                    break;
                case 2:
                    RemoveOptionalHeader(message, editor, op / 7);
                    break;
                case 3:
                    editor.SetMaxForwards(op % 70);
                    break;
                case 4 when message.IsRequest:
                    editor.SetRequestUri("sip:fuzz@192.0.2.2:5060"u8);
                    break;
                case 5:
                    editor.InsertTopHeader("Record-Route: <sip:192.0.2.1;lr>\r\n"u8);
                    break;
                case 6:
                    editor.MarkTopViaSource("192.0.2.9"u8, 5070);
                    break;
                default:
                    break;
            }
        }

        return editor.WriteTo(output);
    }

    private static void RemoveOptionalHeader(SipMessage message, SipMessageEditor editor, int pick)
    {
        for (var n = 0; n < message.HeaderCount; n++)
        {
            var index = (pick + n) % message.HeaderCount;
            if (message.Header(index).Kind is HeaderKind.Other or HeaderKind.Supported or HeaderKind.UserAgent or HeaderKind.Subject)
            {
                editor.RemoveHeader(index);
                return;
            }
        }
    }

    /// <summary>
    /// The non-SIP filter with the patterns of the shipped example (size gate, MsgMatch/MsgSkip). It runs
    /// in a worker's turn, caught per message: what is left to find is a pattern that never returns.
    /// </summary>
    public static void NoSip(byte[] data) => _ = ServerBoundary.CaughtPerMessage(() => NoSipExample.Value.Check(data));

    /// <summary>
    /// Built once, as the server does at start (the patterns are compiled regular expressions), and
    /// lazily: instrumented code must not run before the fuzz loop has afl's coverage map.
    /// </summary>
    private static readonly Lazy<NoSipFilter> NoSipExample =
        new(() => new NoSipFilter(new NoSipOptions { MinPacketSize = 8, MsgMatch = "^:KREQUEST-", MsgSkip = "^\\r\\n" }));

    /// <summary>hostsettings.json text through the strict loader: problems become lines, never exceptions.</summary>
    public static void Config(byte[] data)
    {
        IConfiguration configuration;
        try
        {
            configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(data)).Build();
        }
#pragma warning disable CA1031 // not JSON: the configuration library's own answer (the host reports it), not ours to test
        catch (Exception)
#pragma warning restore CA1031
        {
            return;
        }

        _ = HostSettingsLoader.Load(configuration, Path.GetTempPath(), out _);
    }

    /// <summary>Text for a seed file (used when writing the corpus from fixtures).</summary>
    public static byte[] Seed(string text) => Encoding.UTF8.GetBytes(text);
}
