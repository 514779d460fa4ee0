using System.Text.RegularExpressions;
using ScriptedSip.Scripts.Tests.Infrastructure;

namespace ScriptedSip.Scripts.Tests.Templates;

/// <summary>
/// The templates as a user meets them, outside this repository: the three packages are packed into
/// a folder feed, the template package is installed into a fresh DOTNET_CLI_HOME, both templates
/// are created in a temporary folder, restored from that feed and the machine's package cache only
/// (no network), built and tested — green; then one line of the generated script is broken and the
/// test run fails with the compiler's error.
/// </summary>
[NonParallelizable]
[Category("Templates")]
public sealed class TemplateAcceptanceTests
{
    [Test]
    public async Task BothTemplates_BuildAndPassOutsideTheRepository_AndABrokenScriptFailsTheirTests()
    {
        var root = Path.Combine(Path.GetTempPath(), "scriptedsip-templates-" + Guid.NewGuid().ToString("N")[..12]);
        var feed = Path.Combine(root, "feed");
        var work = Path.Combine(root, "work");
        Directory.CreateDirectory(feed);
        Directory.CreateDirectory(work);
        var machineCache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var cli = new DotnetCli(new Dictionary<string, string>
        {
            ["DOTNET_CLI_HOME"] = Path.Combine(root, "home"),
            ["NUGET_PACKAGES"] = Path.Combine(root, "packages"), // packages of this feed never land in the machine's cache
        });
        try
        {
            foreach (var project in new[] { "host/ScriptedSip.Sdk", "host/ScriptedSip.Testing", "templates" })
            {
                await Succeeds(cli.RunAsync(Repository.Root, "pack", Path.Combine(Repository.Root, project), "-c", "Release", "-o", feed));
            }

            var templates = Directory.GetFiles(feed, "ScriptedSip.Templates.*.nupkg").Single();
            var version = Regex.Match(Path.GetFileName(templates), @"^ScriptedSip\.Templates\.(.+)\.nupkg$").Groups[1].Value;
            await Succeeds(cli.RunAsync(work, "new", "install", templates));
            await Succeeds(cli.RunAsync(work, "new", "scriptedsip-routes", "-n", "MyRoutes", "--ScriptedSipVersion", version));
            await Succeeds(cli.RunAsync(work, "new", "scriptedsip-plugin", "-n", "Acme", "--ScriptedSipVersion", version));
            File.WriteAllText(Path.Combine(work, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="scriptedsip" value="{feed}" />
                    <add key="machine-cache" value="{machineCache}" />
                  </packageSources>
                </configuration>
                """);
            await Succeeds(cli.RunAsync(work, "new", "sln", "-n", "All"));
            var solution = Path.GetFileName(Directory.GetFiles(work, "All.sln*").Single()); // .slnx or .sln, as the SDK makes it
            await Succeeds(cli.RunAsync(work, "sln", solution, "add", "MyRoutes/MyRoutes.Tests", "Acme/Acme", "Acme/Acme.Tests"));

            var green = await Succeeds(cli.RunAsync(work, "test", solution));
            Assert.That(Regex.Count(green, @"Passed!\s+- Failed:\s+0, Passed:\s+3"), Is.EqualTo(2), green);

            var script = Path.Combine(work, "MyRoutes", "scripts", "request_route.csx");
            var lines = File.ReadAllLines(script);
            var broken = Array.FindIndex(lines, l => l.Contains("SlSendReply(", StringComparison.Ordinal));
            Assert.That(broken, Is.GreaterThanOrEqualTo(0), "the shipped request_route.csx has no SlSendReply line");
            lines[broken] = lines[broken].Replace("SlSendReply(", "SlSendReplyy(", StringComparison.Ordinal);
            File.WriteAllLines(script, lines);

            var (exit, red) = await cli.RunAsync(work, "test", "MyRoutes/MyRoutes.Tests");
            Assert.That(exit, Is.Not.Zero, red);
            Assert.That(red, Does.Match($@"request_route\.csx\({broken + 1},\d+\): error CS0103: The name 'SlSendReplyy' does not exist"));
        }
        finally
        {
            await cli.RunAsync(Repository.Root, "build-server", "shutdown");
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<string> Succeeds(Task<(int Exit, string Output)> run)
    {
        var (exit, output) = await run;
        Assert.That(exit, Is.Zero, output);
        return output;
    }
}
