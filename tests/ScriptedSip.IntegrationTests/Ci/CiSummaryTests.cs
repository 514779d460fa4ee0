using System.Diagnostics;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Ci;

/// <summary>.ci/summary, the end of .ci/run: the skipped count, then the plain "N passed, N failed" as the last line.</summary>
public sealed class CiSummaryTests
{
    [Test]
    public async Task CountsEveryTrx_SkippedBeforeTheFinalLine()
    {
        using var results = new TempFolder();
        results.Write("a.trx", Trx(passed: 7, failed: 1, error: 0, notExecuted: 2));
        results.Write("b.trx", Trx(passed: 3, failed: 0, error: 1, notExecuted: 1));

        var (exit, lines) = await SummaryAsync(results.Path, testStatus: 1);

        Assert.That(lines, Is.EqualTo(new[] { "3 skipped", "10 passed, 2 failed" }));
        Assert.That(exit, Is.EqualTo(1));
    }

    [Test]
    public async Task NothingFailed_Exit0()
    {
        using var results = new TempFolder();
        results.Write("a.trx", Trx(passed: 5, failed: 0, error: 0, notExecuted: 0));

        var (exit, lines) = await SummaryAsync(results.Path, testStatus: 0);

        Assert.That(lines, Is.EqualTo(new[] { "0 skipped", "5 passed, 0 failed" }));
        Assert.That(exit, Is.Zero);
    }

    [Test]
    public async Task TestRunFailedWithoutResults_CountsOneFailure()
    {
        using var results = new TempFolder();

        var (exit, lines) = await SummaryAsync(results.Path, testStatus: 1);

        Assert.That(lines, Is.EqualTo(new[] { "0 skipped", "0 passed, 1 failed" }));
        Assert.That(exit, Is.EqualTo(1));
    }

    private static string Trx(int passed, int failed, int error, int notExecuted) =>
        $"""
        <?xml version="1.0" encoding="utf-8"?>
        <TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
          <ResultSummary outcome="Completed">
            <Counters total="{passed + failed + error + notExecuted}" executed="{passed + failed + error}" passed="{passed}" failed="{failed}" error="{error}" timeout="0" aborted="0" inconclusive="0" passedButRunAborted="0" notRunnable="0" notExecuted="{notExecuted}" disconnected="0" warning="0" completed="0" inProgress="0" pending="0" />
          </ResultSummary>
        </TestRun>
        """;

    private static async Task<(int Exit, string[] Lines)> SummaryAsync(string resultsFolder, int testStatus)
    {
        var script = Path.Combine(TestDeployment.BuildOutput("RepoRoot"), ".ci", "summary");
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(resultsFolder);
        info.ArgumentList.Add(testStatus.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private sealed class TempFolder : IDisposable
    {
        public TempFolder()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "scriptedsip-ci-" + Guid.NewGuid().ToString("N")[..12]);
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public void Write(string name, string text) => File.WriteAllText(System.IO.Path.Combine(Path, name), text);

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
