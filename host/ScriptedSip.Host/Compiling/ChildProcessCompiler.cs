using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ScriptedSip.Scripting;

namespace ScriptedSip.Host.Compiling;

/// <summary>
/// Compiles route scripts in a child process of the same server build (<c>--compile-routes</c>),
/// so the server itself never loads Roslyn: the compiler's code, its JIT output and the
/// framework's metadata (together 60–90 MB resident) leave with the child. Used when the server
/// runs as its own program (<c>Scripts:CompileInChildProcess</c>); a program that embeds the
/// server compiles in-process.
/// </summary>
internal sealed partial class ChildProcessCompiler : IRouteTreeCompiler
{
    /// <summary>A compile that takes longer is stopped and reported (Roslyn needs seconds, not minutes).</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    private readonly string _fileName;
    private readonly string[] _prefix;
    private readonly ILogger _logger;

    internal ChildProcessCompiler(string fileName, string[] prefix, ILogger logger)
    {
        _fileName = fileName;
        _prefix = prefix;
        _logger = logger;
    }

    /// <summary>A compiler that starts this program again; null when this process is not the server's own program.</summary>
    public static ChildProcessCompiler? ForThisProcess(ILogger logger)
    {
        var entry = Assembly.GetEntryAssembly();
        if (entry != typeof(ChildProcessCompiler).Assembly || Environment.ProcessPath is not { } processPath)
        {
            return null;
        }

        // Started as "dotnet ScriptedSip.Host.dll": the child needs the assembly; an app host needs nothing.
        var viaMuxer = string.Equals(Path.GetFileNameWithoutExtension(processPath), "dotnet", StringComparison.Ordinal);
        return new ChildProcessCompiler(processPath, viaMuxer ? [entry.Location] : [], logger);
    }

    public RouteTreeResult Compile(RouteTreeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var folder = Path.Combine(Path.GetTempPath(), $"scriptedsip-compile-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var plugins = new List<ChildCompilePlugin>();
            foreach (var (name, image) in request.Plugins)
            {
                var path = Path.Combine(folder, name + ".dll");
                File.WriteAllBytes(path, image);
                plugins.Add(new ChildCompilePlugin(name, path));
            }

            var requestPath = Path.Combine(folder, "request.json");
            var message = new ChildCompileRequest(request.ScriptsDirectory, request.TreeHash, new(request.Kinds), plugins, folder);
            File.WriteAllText(requestPath, JsonSerializer.Serialize(message));
            var started = Stopwatch.GetTimestamp();
            if (Run(requestPath, cancellationToken) is { } failure)
            {
                return new RouteTreeResult([$"{request.ScriptsDirectory}: error: the script compiler process {failure}"], 0, folder);
            }

            var result = JsonSerializer.Deserialize<ChildCompileResult>(File.ReadAllText(Path.Combine(folder, CompileRoutesCommand.ResultFileName)))
                ?? new ChildCompileResult(["the script compiler process wrote an empty result"], 0);
            LogCompiled(_logger, result.Compiled, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return new RouteTreeResult(result.Errors, result.Compiled, folder);
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            // Win32Exception: the program could not be started (moved, not executable).
            return new RouteTreeResult([$"{request.ScriptsDirectory}: error: the script compiler process cannot be used ({_fileName}): {ex.Message}"], 0, folder);
        }
    }

    /// <summary>Runs the child to its end; returns what went wrong, or null when it exited normally.</summary>
    private string? Run(string requestPath, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_fileName)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in _prefix)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add(CompileRoutesCommand.Argument);
        start.ArgumentList.Add(requestPath);
        using var process = Process.Start(start) ?? throw new IOException($"{_fileName} did not start");
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(Limit);
        try
        {
            process.WaitForExitAsync(stop.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return cancellationToken.IsCancellationRequested ? "was stopped: the load was cancelled" : $"took longer than {Limit.TotalSeconds:0} s and was stopped";
        }

        if (process.ExitCode != ScriptedSipApplication.ExitOk)
        {
            var tail = errors.GetAwaiter().GetResult().Trim();
            return $"exited with code {process.ExitCode}{(tail.Length > 0 ? ": " + tail : string.Empty)}";
        }

        return null;
    }

    [LoggerMessage(EventId = 2030, Level = LogLevel.Debug, Message = "{Compiled} route(s) compiled in a child process in {ElapsedMs} ms")]
    private static partial void LogCompiled(ILogger logger, int compiled, long elapsedMs);
}
