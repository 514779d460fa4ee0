using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NLog.Extensions.Logging;
using ScriptedSip.Core.Stats;
using ScriptedSip.Host.Configuration;
using ScriptedSip.Scripting;

namespace ScriptedSip.Host;

/// <summary>
/// Builds and runs the server. Exit codes: 0 normal stop (or <c>--check</c> passed), 1 <c>--check</c>
/// found errors, 2 bad configuration, scripts that do not compile, or a listen address that cannot be bound.
/// </summary>
public static class ScriptedSipApplication
{
    public const string SettingsFile = "hostsettings.json";
    public const int ExitOk = 0;
    public const int ExitCheckFailed = 1;
    public const int ExitConfigError = 2;

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args is [Compiling.CompileRoutesCommand.Argument, var requestPath])
        {
            return Compiling.CompileRoutesCommand.Run(requestPath, Console.Error);
        }

        var check = args.Contains("--check", StringComparer.Ordinal);
        var hostArgs = args.Where(a => a != "--check").ToArray();

        var built = Build(hostArgs, Console.Error, check);
        if (built.Host is null)
        {
            return built.ExitCode;
        }

        using var host = built.Host;
        try
        {
            if (!check)
            {
                // Bound before the scripts compile and before the generic host starts: a port in use
                // is one line and exit 2, with nothing logged before it and no stack trace.
                try
                {
                    host.Services.GetRequiredService<SipServer>().Open();
                    await host.Services.GetRequiredService<Management.ManagementServer>().OpenAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (ListenFailedException ex)
                {
                    await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
                    return ExitConfigError;
                }
            }

            var plugins = host.Services.GetRequiredService<Plugins.PluginCatalog>();
            var load = plugins.Apply();
            if (check)
            {
                return await CheckReport.WriteAsync(load, plugins, host.Services.GetRequiredService<ScriptRuntime>(), Console.Out, Console.Error).ConfigureAwait(false);
            }

            if (!load.Success)
            {
                foreach (var error in load.Errors)
                {
                    await Console.Error.WriteLineAsync(error).ConfigureAwait(false);
                }

                return ExitConfigError;
            }

            await host.RunAsync(cancellationToken).ConfigureAwait(false);
            return ExitOk;
        }
        finally
        {
            NLog.LogManager.Shutdown();
        }
    }

    /// <summary>Creates the host without starting it; on a configuration error the host is null and the reason was written to <paramref name="errorOutput"/>.</summary>
    public static (IHost? Host, int ExitCode) Build(string[] args, TextWriter errorOutput) => Build(args, errorOutput, checkOnly: false);

    /// <summary>
    /// As <see cref="Build(string[], TextWriter)"/>, with the services adjusted after the host's own
    /// registrations — how tests put in a fake <see cref="TimeProvider"/>.
    /// </summary>
    public static (IHost? Host, int ExitCode) Build(string[] args, TextWriter errorOutput, Action<IServiceCollection> configureServices) =>
        Build(args, errorOutput, checkOnly: false, configureServices);

    private static (IHost? Host, int ExitCode) Build(string[] args, TextWriter errorOutput, bool checkOnly, Action<IServiceCollection>? configureServices = null)
    {
        ArgumentNullException.ThrowIfNull(errorOutput);
        args = ResolveContentRoot(args, out var contentRootError);
        if (contentRootError is not null)
        {
            errorOutput.WriteLine("error: " + contentRootError);
            return (null, ExitConfigError);
        }

        // The default appsettings.json source would watch the whole content root recursively (an
        // inotify watch per folder); hostsettings.json is watched on its own (SettingsFileWatch).
        var initial = new ConfigurationManager();
        initial.AddInMemoryCollection([new("hostBuilder:reloadConfigOnChange", "false")]);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ApplicationName = "ScriptedSip",
            Configuration = initial,
        });

        var contentRoot = builder.Environment.ContentRootPath;
        HostSettings? settings = null;
        AddSettingsFile(builder.Configuration, contentRoot, out var invalidJson);
        if (invalidJson is null)
        {
            settings = HostSettingsLoader.Load(builder.Configuration, contentRoot, out var errors);
            foreach (var error in errors)
            {
                errorOutput.WriteLine($"error: {error}");
            }
        }
        else
        {
            // hostsettings.json that is not valid JSON
            errorOutput.WriteLine($"error: {SettingsFile}: {invalidJson}");
        }

        if (settings is null)
        {
            // No host will own the file watcher: stop it here.
            builder.Configuration.Dispose();
            return (null, ExitConfigError);
        }

        builder.Services.AddHostedService(sp => new SettingsFileWatch(builder.Configuration, contentRoot, sp.GetRequiredService<ILogger<SettingsFileWatch>>()));
        ConfigureLogging(builder, contentRoot, settings.Logging);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<SipCounters>();
        builder.Services.AddScriptedSipScripting(settings, checkOnly);
        builder.Services.AddScriptedSipServer(settings);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        SystemdNotify.AddTo(builder.Services);
        configureServices?.Invoke(builder.Services);
        return (builder.Build(), ExitOk);
    }

    /// <summary>
    /// <c>--contentRoot DIR</c> is relative to the current directory (as a user expects), not to the
    /// executable's folder; a folder that does not exist is a configuration error.
    /// </summary>
    private static string[] ResolveContentRoot(string[] args, out string? error)
    {
        error = null;
        var result = (string[])args.Clone();
        for (var i = 0; i < result.Length; i++)
        {
            var arg = result[i];
            string? value = null;
            if ((arg is "--contentRoot" or "--contentroot") && i + 1 < result.Length)
            {
                value = result[++i];
            }
            else if (arg.StartsWith("--contentRoot=", StringComparison.OrdinalIgnoreCase))
            {
                value = arg["--contentRoot=".Length..];
                result[i] = "--contentRoot";
                result = [.. result[..(i + 1)], value, .. result[(i + 1)..]];
                i++;
            }

            if (value is null)
            {
                continue;
            }

            var full = Path.GetFullPath(value);
            if (!Directory.Exists(full))
            {
                error = $"--contentRoot: the folder {full} does not exist";
                return result;
            }

            result[i] = full;
        }

        return result;
    }

    /// <summary>
    /// hostsettings.json sits in the content root, below environment variables and the command
    /// line in precedence, so <c>--Section:Key=value</c> overrides any key.
    /// </summary>
    private static void AddSettingsFile(ConfigurationManager configuration, string contentRoot, out string? invalidJson)
    {
        invalidJson = null;
        var source = new JsonConfigurationSource
        {
            Path = SettingsFile,
            Optional = true,
            // Watched by SettingsFileWatch (this file only) so that plugins can take their own section's
            // changes (IPluginContext.OnOptionsChanged); the host's sections are bound once at start.
            ReloadOnChange = false,
        };
        source.FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(contentRoot);
        var sources = (IList<IConfigurationSource>)((IConfigurationBuilder)configuration).Sources;
        var firstOverride = sources
            .Select((s, i) => (s, i))
            .FirstOrDefault(x => x.s is Microsoft.Extensions.Configuration.EnvironmentVariables.EnvironmentVariablesConfigurationSource
                                   or Microsoft.Extensions.Configuration.CommandLine.CommandLineConfigurationSource);
        var index = firstOverride.s is null ? sources.Count : firstOverride.i;
        try
        {
            sources.Insert(index, source); // ConfigurationManager loads the file right here
        }
        catch (InvalidDataException ex)
        {
            invalidJson = ex.Message;
        }
    }

    private static void ConfigureLogging(HostApplicationBuilder builder, string contentRoot, LoggingOptions logging)
    {
        NLog.GlobalDiagnosticsContext.Set("contentRoot", contentRoot);
        Logging.LogSetup.RegisterExtensions();
        var section = builder.Configuration.GetSection("NLog");
        if (section.Exists())
        {
            Logging.LogSetup.ReportTargetFailures(section["internalLogLevel"] is not null);
            var configuration = new NLogLoggingConfiguration(section);
            Logging.LogSetup.Apply(configuration, logging.Format, logging.RepeatLimitMs, TimeProvider.System);
            NLog.LogManager.Configuration = configuration;
        }

        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace); // NLog's rules decide what is written
        builder.Logging.AddNLog(new NLogProviderOptions { RemoveLoggerFactoryFilter = true, ShutdownOnDispose = false });
    }
}
