using ScriptedSip.Host;
using ScriptedSip.Host.Configuration;

namespace ScriptedSip.IntegrationTests.Infrastructure;

/// <summary>What building the host with some arguments gave: the settings, or the exit code and the error lines.</summary>
public sealed record BuildOutcome(HostSettings? Settings, int ExitCode, IReadOnlyList<string> ErrorLines)
{
    public static BuildOutcome Of(TestDeployment deployment, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        using var errors = new StringWriter();
        var (host, exitCode) = ScriptedSipApplication.Build(["--contentRoot", deployment.Root, .. args], errors);
        using (host)
        {
            var settings = (HostSettings?)host?.Services.GetService(typeof(HostSettings));
            return new BuildOutcome(settings, exitCode, errors.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        }
    }
}
