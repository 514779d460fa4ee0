using System.Diagnostics;
using System.Text.RegularExpressions;
using ScriptedSip.IntegrationTests.Infrastructure;

namespace ScriptedSip.IntegrationTests.Plugins;

/// <summary>
/// The README's "Write your own plugin" is followed as a user would: its marked blocks are written
/// verbatim into a folder outside the repository, built with the README's command, and the result
/// is dropped into a deployment and called from the README's script.
/// </summary>
[NonParallelizable]
public sealed partial class ReadmePluginExampleTests
{
    private const string SdkPlaceholder = "SDK_PROJECT";

    /// <param name="withRepositoryRules">
    /// Also under this repository's build rules (analyzers, warnings as errors): the example must
    /// build in a plugins folder of a checkout too, not only in a bare folder.
    /// </param>
    [TestCase(false)]
    [TestCase(true)]
    public async Task Example_BuildsAsWritten_LoadsInTheHost_CalledFromTheScript(bool withRepositoryRules)
    {
        var blocks = ExampleBlocks();
        Assert.That(blocks.Keys, Is.EquivalentTo(new[] { "plugins/Greeter/Greeter.csproj", "plugins/Greeter/Greeter.cs", "build", "scripts/request_route.csx" }));
        var root = Path.Combine(Path.GetTempPath(), "scriptedsip-readme-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            Directory.CreateDirectory(root);
            Assert.That(AncestorBuildFiles(root), Is.Empty, "nothing above the example folder may take part in its build");
            if (withRepositoryRules)
            {
                foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props" })
                {
                    File.Copy(Path.Combine(RepositoryRoot(), file), Path.Combine(root, file));
                }
            }

            foreach (var (path, text) in blocks.Where(b => b.Key.StartsWith("plugins/", StringComparison.Ordinal)))
            {
                var target = Path.Combine(root, path);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.WriteAllText(target, text);
            }

            var (exit, output) = await BuildAsync(root, blocks["build"]);
            Assert.That(exit, Is.Zero, output);

            using var deployment = new TestDeployment().WithScript("request_route.csx", blocks["scripts/request_route.csx"]);
            deployment.CopyPlugin(Path.Combine(root, "plugins", "Greeter"), "Greeter", "Greeter");
            await using var host = await RunningHost.StartAsync(deployment);
            using var peer = new UdpPeer();
            peer.Send(host.EndPoint, SipText.Request("MESSAGE", "sip:x@127.0.0.1", peer.LocalEndPoint));

            Assert.That(peer.ReceiveText(TimeSpan.FromSeconds(5)), Does.StartWith("SIP/2.0 200 hello sip:alice@example.com\r\n"));
            Assert.That(host.Plugins.Names, Is.EqualTo(new[] { "Greeter" }));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Each fenced block that follows a <c>&lt;!-- plugin-example: NAME --&gt;</c> comment, by NAME.</summary>
    private static Dictionary<string, string> ExampleBlocks()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md")).ReplaceLineEndings("\n");
        return ExampleBlock().Matches(readme).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["text"].Value + "\n", StringComparer.Ordinal);
    }

    /// <summary>Runs the README's build command with the absolute path of this checkout's SDK project for its placeholder.</summary>
    private static async Task<(int Exit, string Output)> BuildAsync(string root, string command)
    {
        var sdk = Path.GetFullPath(Path.Combine(RepositoryRoot(), "host", "ScriptedSip.Sdk", "ScriptedSip.Sdk.csproj"));
        var words = command.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(words[0], Is.EqualTo("dotnet"));
        Assert.That(command, Does.Contain(SdkPlaceholder));
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var word in words.Skip(1))
        {
            info.ArgumentList.Add(word.Replace(SdkPlaceholder, sdk, StringComparison.Ordinal));
        }

        // No build server or node outlives the test (as --disable-build-servers, without changing the command).
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        info.Environment["UseSharedCompilation"] = "false";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    private static IEnumerable<string> AncestorBuildFiles(string folder)
    {
        for (var dir = new DirectoryInfo(folder).Parent; dir is not null; dir = dir.Parent)
        {
            foreach (var name in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json", "NuGet.config", "nuget.config" })
            {
                if (File.Exists(Path.Combine(dir.FullName, name)))
                {
                    yield return Path.Combine(dir.FullName, name);
                }
            }
        }
    }

    private static string RepositoryRoot() => Path.GetFullPath(TestDeployment.BuildOutput("RepoRoot"));

    [GeneratedRegex(@"<!-- plugin-example: (?<name>\S+) -->\n```\w*\n(?<text>.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex ExampleBlock();
}
