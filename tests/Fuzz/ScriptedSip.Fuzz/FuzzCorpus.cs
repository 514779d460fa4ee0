using System.Text;
using ScriptedSip.Core.Parsing;

namespace ScriptedSip.Fuzz;

/// <summary>
/// Seed inputs per target, cut from the committed fixtures (RFC 4475 and RFC 5118 messages, the
/// shipped and example hostsettings.json): whole messages for the parser and editor, their
/// Request-URIs, Via and name-addr values for the sub-parsers.
/// </summary>
public static partial class FuzzCorpus
{
    public static IEnumerable<byte[]> Seeds(string target, string repositoryRoot)
    {
        var messages = Messages(repositoryRoot).ToList();
        return target switch
        {
            "parser" => messages,
            "editor" => messages.Select(m => (byte[])[0, 1, 2, 5, .. m]),
            "uri" => Values(messages, m => m.IsRequest ? [m.RequestUri] : []),
            "via" => HeaderValues(messages, HeaderKind.Via),
            "name-addr" => HeaderValues(messages, HeaderKind.From).Concat(HeaderValues(messages, HeaderKind.To)).Concat(HeaderValues(messages, HeaderKind.Contact)),
            "nosip" => [Encoding.ASCII.GetBytes(":KREQUEST-RESUME-TRANSACTION:1:2:RESUME"), "\r\n\r\n"u8.ToArray(), new byte[40]],
            "config" => Directory.EnumerateFiles(repositoryRoot, "hostsettings.json", SearchOption.AllDirectories)
                .Where(p => !p.Contains("/bin/", StringComparison.Ordinal) && !p.Contains("/obj/", StringComparison.Ordinal))
                .Select(File.ReadAllBytes),
            "framer" => FramerSeeds(messages),
            "digest" => DigestSeeds(messages),
            _ => throw new ArgumentException($"unknown target {target}", nameof(target)),
        };
    }

    private static readonly string[] MessageFolders = ["tests/Fixtures/rfc4475", "tests/Fixtures/rfc5118"];

    private static IEnumerable<byte[]> Messages(string root) =>
        MessageFolders
            .Select(d => Path.Combine(root, d))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*.dat"))
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllBytes);

    private static IEnumerable<byte[]> Values(List<byte[]> messages, Func<SipMessage, Segment[]> pick)
    {
        foreach (var data in messages)
        {
            var message = new SipMessage();
            if (message.Parse(data) != SipParseStatus.Ok)
            {
                continue;
            }

            foreach (var segment in pick(message))
            {
                yield return message.Span(segment).ToArray();
            }
        }
    }

    private static IEnumerable<byte[]> HeaderValues(List<byte[]> messages, HeaderKind kind) =>
        Values(messages, m => Enumerable.Range(0, m.HeaderCount).Select(m.Header).Where(h => h.Kind == kind).Select(h => h.Value).ToArray());
}
