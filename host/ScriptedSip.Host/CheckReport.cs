using ScriptedSip.Host.Plugins;
using ScriptedSip.Scripting;

namespace ScriptedSip.Host;

/// <summary>
/// The output of <c>--check</c>: every diagnostic once (on the error output), then one summary
/// line last. Nothing is serving in a check, so nothing here speaks of a previous version.
/// </summary>
internal static class CheckReport
{
    public static async Task<int> WriteAsync(RouteSetLoadResult load, PluginCatalog plugins, ScriptRuntime scripts, TextWriter output, TextWriter errorOutput)
    {
        foreach (var error in plugins.Errors)
        {
            await errorOutput.WriteLineAsync("error: " + error).ConfigureAwait(false);
        }

        foreach (var error in load.Errors)
        {
            await errorOutput.WriteLineAsync(error).ConfigureAwait(false);
        }

        // Log lines (scripts compiled, plugins loaded) go through NLog's asynchronous targets: written
        // out now, so that the summary is really the last line.
        NLog.LogManager.Flush();
        await errorOutput.FlushAsync().ConfigureAwait(false);

        var ok = load.Success && plugins.Errors.Count == 0;
        string summary;
        if (load.Success)
        {
            var pluginText = plugins.Names.Count == 0 ? "no plugins" : "plugins " + string.Join(", ", plugins.Names);
            summary = $"scripts in {scripts.ScriptsDirectory} compile; {pluginText} loaded";
        }
        else
        {
            var count = load.Errors.Count;
            summary = $"scripts in {scripts.ScriptsDirectory} do not compile ({count} {(count == 1 ? "error" : "errors")})";
        }

        if (plugins.Errors.Count > 0)
        {
            summary += $"; {plugins.Errors.Count} {(plugins.Errors.Count == 1 ? "plugin" : "plugins")} failed";
        }

        await output.WriteLineAsync($"{(ok ? "OK" : "FAILED")}: {summary}").ConfigureAwait(false);
        return ok ? ScriptedSipApplication.ExitOk : ScriptedSipApplication.ExitCheckFailed;
    }
}
