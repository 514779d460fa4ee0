using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;

namespace ScriptedSip.Core.Tests.Parsing;

/// <summary>
/// Property tests: seeded random bytes and mutations of every fixture must never make Parse throw, must
/// yield the status the start line calls for (judged by <see cref="StartLineShape"/>, independently of
/// the parser), must explain every failure in Error, and must never produce a segment outside the
/// buffer. Ok messages must also survive the on-demand readers, the reply writer and the editor.
/// </summary>
[TestFixture]
public sealed class ParserRobustnessTests
{
    // Bytes that matter to the grammar, so mutations hit parser decisions rather than only random text.
    private static readonly byte[] Interesting = "\r\n \t:;,=\"<>[]@/\\%?0123456789\0\x7f\xff"u8.ToArray();

    private static IEnumerable<TestCaseData> FixtureCases() =>
        FixtureFiles.AllMessageFiles().Select(f =>
            new TestCaseData(f).SetArgDisplayNames(Path.GetRelativePath(FixtureFiles.Root, f)));

    [TestCaseSource(nameof(FixtureCases))]
    public void Parse_MutatedFixture_NeverThrowsAndKeepsSegmentsInBuffer(string path)
    {
        var original = File.ReadAllBytes(path);
        var rng = new Random(original.Length * 7919 + original[0]);
        var state = new Checker();

        for (int iteration = 0; iteration < 300; iteration++)
        {
            var mutated = Mutate(original, rng, 1 + rng.Next(4));
            state.Check(mutated, $"{Path.GetFileName(path)} iteration {iteration}");
        }
    }

    [Test]
    public void Parse_RandomBytes_NeverThrowsAndKeepsSegmentsInBuffer([Values(1, 2, 3, 4)] int seed)
    {
        var rng = new Random(seed);
        var state = new Checker();
        var prefixes = new[] { ""u8.ToArray(), "INVITE sip:a@b SIP/2.0\r\n"u8.ToArray(), "SIP/2.0 200 OK\r\n"u8.ToArray(), "\r\n\r\n"u8.ToArray() };

        for (int iteration = 0; iteration < 2000; iteration++)
        {
            var prefix = prefixes[rng.Next(prefixes.Length)];
            var body = new byte[rng.Next(0, 600)];
            for (int i = 0; i < body.Length; i++)
            {
                body[i] = rng.Next(3) == 0 ? Interesting[rng.Next(Interesting.Length)] : (byte)rng.Next(256);
            }

            state.Check([.. prefix, .. body], $"seed {seed} iteration {iteration}");
        }
    }

    [Test]
    public void Parse_ReusedInstanceAfterGarbage_ParsesValidMessageIdentically()
    {
        var fresh = new SipMessage();
        fresh.Parse(SampleMessages.Invite);
        var reused = new SipMessage();
        var rng = new Random(42);
        for (int i = 0; i < 500; i++)
        {
            reused.Parse(Mutate(SampleMessages.Invite, rng, 3));
        }

        reused.Parse(SampleMessages.Invite);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(reused.Status, Is.EqualTo(SipParseStatus.Ok));
            Assert.That(reused.HeaderCount, Is.EqualTo(fresh.HeaderCount));
            Assert.That(reused.TopVia, Is.EqualTo(fresh.TopVia));
            Assert.That(reused.From, Is.EqualTo(fresh.From));
            Assert.That(reused.Body, Is.EqualTo(fresh.Body));
        }
    }

    private static byte[] Mutate(byte[] source, Random rng, int count)
    {
        var data = new List<byte>(source);
        for (int m = 0; m < count && data.Count > 0; m++)
        {
            int pos = rng.Next(data.Count);
            switch (rng.Next(7))
            {
                case 0: // flip bits
                    data[pos] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1: // replace with a grammar byte
                    data[pos] = Interesting[rng.Next(Interesting.Length)];
                    break;
                case 2: // truncate
                    data.RemoveRange(pos, data.Count - pos);
                    break;
                case 3: // insert grammar bytes
                    for (int k = rng.Next(1, 4); k > 0; k--)
                    {
                        data.Insert(pos, Interesting[rng.Next(Interesting.Length)]);
                    }

                    break;
                case 4: // delete a run
                    data.RemoveRange(pos, Math.Min(rng.Next(1, 16), data.Count - pos));
                    break;
                case 5: // duplicate a run (repeated headers, doubled separators)
                    int len = Math.Min(rng.Next(1, 64), data.Count - pos);
                    data.InsertRange(pos, data.GetRange(pos, len));
                    break;
                default: // random byte
                    data[pos] = (byte)rng.Next(256);
                    break;
            }
        }

        return [.. data];
    }

    /// <summary>Reuses one parser, editor and scratch buffer across iterations, as a worker would.</summary>
    private sealed class Checker
    {
        private readonly SipMessage _msg = new();
        private readonly SipMessage _reparsed = new();
        private readonly SipMessageEditor _editor = new();
        private readonly byte[] _scratch = new byte[256 * 1024];

        public void Check(byte[] datagram, string context)
        {
            SipParseStatus status;
            try
            {
                status = _msg.Parse(datagram);
            }
            catch (Exception ex)
            {
                Assert.Fail($"{context}: Parse threw {ex}\n{Convert.ToBase64String(datagram)}");
                return;
            }

            Assert.That(_msg.Status, Is.EqualTo(status), context);
            Assert.That(_msg.Error, status == SipParseStatus.Ok ? Is.Null : Is.Not.Null, context);
            string? violation = StartLineShape.FindViolation(datagram, _msg, status);
            violation ??= SegmentBounds.FindViolation(_msg);
            if (violation is null && status == SipParseStatus.Ok)
            {
                violation = SegmentBounds.ExerciseOkMessage(_msg, _scratch, _editor, _reparsed);
            }

            if (violation is not null)
            {
                Assert.Fail($"{context}: {violation}\n{Convert.ToBase64String(datagram)}");
            }
        }
    }
}
