using System.CommandLine;
using System.Text.Json;

namespace ScriptedSip.Ctl;

/// <summary>
/// The command line: <c>rpc METHOD [params…]</c> for any method, and the friendly verbs that map to
/// one method each. Exit codes: 0 success, 1 an RPC or HTTP error (printed as <c>error: …</c>), 2 bad usage.
/// </summary>
internal static class CtlCommands
{
    private static readonly Option<string> Url = new("--url")
    {
        Description = "management endpoint of the server (its Management:Urls); default: $SCRIPTEDSIP_URL or http://127.0.0.1:9060",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SCRIPTEDSIP_URL") ?? "http://127.0.0.1:9060",
        Recursive = true,
    };

    private static readonly Option<string?> Socket = new("--socket")
    {
        Description = "the server's Unix domain socket (its Management:Socket) instead of --url; default: $SCRIPTEDSIP_SOCKET",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SCRIPTEDSIP_SOCKET"),
        Recursive = true,
    };

    private static readonly Option<string?> Token = new("--token")
    {
        Description = "bearer token (Management:Token); default: $SCRIPTEDSIP_TOKEN",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SCRIPTEDSIP_TOKEN"),
        Recursive = true,
    };

    private static readonly Option<bool> Json = new("--json")
    {
        Description = "print the result as JSON (for scripts)",
        Recursive = true,
    };

    public static RootCommand Build()
    {
        var root = new RootCommand("scriptedsip-ctl: control a running ScriptedSip server over its JSON-RPC management endpoint");
        root.Options.Add(Url);
        root.Options.Add(Socket);
        root.Options.Add(Token);
        root.Options.Add(Json);

        var method = new Argument<string>("method") { Description = "RPC method, e.g. core.version (system.listMethods lists them)" };
        var rawParams = new Argument<string[]>("params") { Description = "parameters: JSON values (numbers, true, [..], {..}) or text; s:TEXT forces text", Arity = ArgumentArity.ZeroOrMore };
        var rpc = new Command("rpc", "call any RPC method") { method, rawParams };
        rpc.SetAction((r, ct) => RunAsync(r, r.GetValue(method)!, [.. r.GetValue(rawParams)!.Select(Param)], ct));
        root.Subcommands.Add(rpc);

        var group = new Argument<string?>("group") { Description = "'all' (default), a group like tm: or a statistic name", Arity = ArgumentArity.ZeroOrOne };
        var stats = new Command("stats", "statistics (stats.get_statistics)") { group };
        stats.SetAction((r, ct) => RunAsync(r, "stats.get_statistics", [Text(r.GetValue(group) ?? "all")], ct));
        root.Subcommands.Add(stats);

        var tm = new Command("tm", "transactions");
        var list = new Command("list", "live transactions (tm.list)");
        list.SetAction((r, ct) => RunAsync(r, "tm.list", [], ct));
        var index = new Argument<uint>("index");
        var label = new Argument<uint>("label");
        var route = new Argument<string>("route");
        var resume = new Command("continue", "resume a suspended transaction in a route (tm.continue)") { index, label, route };
        resume.SetAction((r, ct) => RunAsync(r, "tm.continue", [Number(r.GetValue(index)), Number(r.GetValue(label)), Text(r.GetValue(route)!)], ct));
        tm.Subcommands.Add(list);
        tm.Subcommands.Add(resume);
        root.Subcommands.Add(tm);

        var reload = new Command("reload", "compile and load the scripts now (app_csx.reload)");
        reload.SetAction((r, ct) => RunAsync(r, "app_csx.reload", [], ct));
        root.Subcommands.Add(reload);

        var plugins = new Command("plugins", "loaded plugins (plugins.list)");
        plugins.SetAction((r, ct) => RunAsync(r, "plugins.list", [], ct));
        root.Subcommands.Add(plugins);

        var table = new Argument<string>("name") { Description = "htable name (Plugins:Htable:Tables:NAME)" };
        var dump = new Command("dump", "every item of a table (htable.dump)") { table };
        dump.SetAction((r, ct) => RunAsync(r, "htable.dump", [Text(r.GetValue(table)!)], ct));
        var htable = new Command("htable", "the Htable plugin's tables");
        htable.Subcommands.Add(dump);
        root.Subcommands.Add(htable);

        var level = new Argument<string?>("level") { Description = "Trace, Debug, Info, Warn, Error, Fatal or Off; none = show the level", Arity = ArgumentArity.ZeroOrOne };
        var logLevel = new Command("level", "show or set the minimum log level (log.level)") { level };
        logLevel.SetAction((r, ct) => RunAsync(r, "log.level", r.GetValue(level) is { } l ? [Text(l)] : [], ct));
        var log = new Command("log", "logging");
        log.Subcommands.Add(logLevel);
        root.Subcommands.Add(log);
        return root;
    }

    private static async Task<int> RunAsync(ParseResult parse, string method, IReadOnlyList<JsonElement> parameters, CancellationToken cancellationToken)
    {
        var url = parse.GetValue(Url)!;
        var socket = parse.GetValue(Socket);
        if (string.IsNullOrEmpty(socket) && (!Uri.TryCreate(url, UriKind.Absolute, out _) || !url.StartsWith("http://", StringComparison.OrdinalIgnoreCase)))
        {
            await Console.Error.WriteLineAsync($"error: --url '{url}' is not an http://HOST:PORT address").ConfigureAwait(false);
            return 2;
        }

        using var client = string.IsNullOrEmpty(socket) ? new RpcClient(new Uri(url), parse.GetValue(Token)) : RpcClient.OverSocket(socket, parse.GetValue(Token));
        try
        {
            var result = await client.CallAsync(method, parameters, cancellationToken).ConfigureAwait(false);
            await Console.Out.WriteLineAsync(OutputFormatter.Format(result, parse.GetValue(Json))).ConfigureAwait(false);
            return 0;
        }
        catch (RpcFailure ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>A command-line parameter: a JSON value when it is one (42, true, [1], {"a":1}, "x"), otherwise text; <c>s:</c> forces text.</summary>
    private static JsonElement Param(string text)
    {
        if (text.StartsWith("s:", StringComparison.Ordinal))
        {
            return Text(text[2..]);
        }

        try
        {
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            return Text(text);
        }
    }

    private static JsonElement Text(string text) => JsonSerializer.SerializeToElement(text);

    private static JsonElement Number(uint value) => JsonSerializer.SerializeToElement(value);
}
