using ScriptedSip.Fuzz;

namespace ScriptedSip.IntegrationTests.Hardening;

/// <summary>
/// The fuzz targets (tests/Fuzz; every one in FuzzTargets.All, the stream framer and the Digest
/// parser included), replayed in-process without AFL on every test run: the seed corpus cut from the
/// fixtures, every committed regression input (tests/Fixtures/fuzz/TARGET/), and a fixed set of
/// seeded mutations of the seeds. Any exception is a crash the fuzzer would report.
/// </summary>
public sealed class FuzzCorpusReplayTests
{
    private const int MutationsPerTarget = 3000;

    private static readonly byte[][] Tokens =
    [
        "\r\n"u8.ToArray(), ";"u8.ToArray(), ":"u8.ToArray(), "<"u8.ToArray(), ">"u8.ToArray(), "\""u8.ToArray(), "\\"u8.ToArray(),
        "%"u8.ToArray(), "["u8.ToArray(), "]"u8.ToArray(), ","u8.ToArray(), "="u8.ToArray(), "@"u8.ToArray(), " "u8.ToArray(), [0],
        "Content-Length: 99999999999\r\n"u8.ToArray(), "Via: SIP/2.0/UDP [::1]:5060;branch=z9hG4bK;rport\r\n"u8.ToArray(),
        "sips:"u8.ToArray(), "4294967296"u8.ToArray(), [0xff, 0xfe],
        // framer: keep-alives, a header section's end, compact Content-Length; digest: its parameters.
        "\r\n\r\n"u8.ToArray(), "l: 7\r\n"u8.ToArray(), "Content-Length: -1\r\n"u8.ToArray(), [0x16, 0x03, 0x01],
        "Digest "u8.ToArray(), "response=\""u8.ToArray(), "nc=0000000g"u8.ToArray(), "qop=auth,"u8.ToArray(), "algorithm=SHA-256"u8.ToArray(),
    ];

    public static IEnumerable<string> Targets() => FuzzTargets.All.Keys;

    [TestCaseSource(nameof(Targets))]
    public void SeedsRegressionsAndMutations_NeverThrow(string target)
    {
        var run = FuzzTargets.All[target];
        var root = RepositoryRoot();
        var seeds = FuzzCorpus.Seeds(target, root).ToList();
        Assert.That(seeds, Is.Not.Empty, "every target has seeds");

        var regressions = Path.Combine(root, "tests", "Fixtures", "fuzz", target);
        var inputs = seeds
            .Select(s => ("seed", s))
            .Concat(Directory.Exists(regressions) ? Directory.EnumerateFiles(regressions).Select(f => (Path.GetFileName(f), File.ReadAllBytes(f))) : [])
            .Concat(Mutations(seeds, target.Sum(c => c) * 4475).Select(m => ("mutation", m)));

        var count = 0;
        foreach (var (name, input) in inputs)
        {
            try
            {
                run(input);
            }
#pragma warning disable CA1031 // reported with the input that caused it
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Assert.Fail($"{target} threw on {name} ({input.Length} bytes, base64 {Convert.ToBase64String(input)}): {ex}");
            }

            count++;
        }

        TestContext.Out.WriteLine($"{target}: {count} inputs ({seeds.Count} seeds)");
    }

    /// <summary>Byte flips, token insertions, deletions and truncations of the seeds, from a fixed seed (the same inputs on every run).</summary>
    private static IEnumerable<byte[]> Mutations(List<byte[]> seeds, int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < MutationsPerTarget; i++)
        {
            var input = seeds[random.Next(seeds.Count)].ToList();
            var edits = 1 + random.Next(4);
            for (var e = 0; e < edits && input.Count > 0; e++)
            {
                var at = random.Next(input.Count);
                switch (random.Next(4))
                {
                    case 0:
                        input[at] = (byte)random.Next(256);
                        break;
                    case 1:
                        input.InsertRange(at, Tokens[random.Next(Tokens.Length)]);
                        break;
                    case 2:
                        input.RemoveRange(at, Math.Min(input.Count - at, 1 + random.Next(16)));
                        break;
                    default:
                        input.RemoveRange(at, input.Count - at);
                        break;
                }
            }

            yield return [.. input];
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ScriptedSip.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("ScriptedSip.sln not found above the test directory");
    }
}
