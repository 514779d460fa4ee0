using ScriptedSip.Host.Plugins;
using ScriptedSip.Scripting;

namespace ScriptedSip.Host.Management.Rpc;

/// <summary><c>app_csx.reload</c>, <c>app_csx.list</c> and <c>plugins.list</c>.</summary>
internal static class ScriptRpcMethods
{
    public static void AddTo(RpcMethodTable table, ScriptRuntime scripts, PluginCatalog plugins)
    {
        table.Add("app_csx.reload", "compile the scripts now: the new version, or the compile errors while the old version keeps serving", (_, _) =>
        {
            // The same path as a file change: scripts compile against the plugins on disk now.
            var result = plugins.Apply(pluginsChanged: false);
            var version = scripts.IsLoaded ? scripts.Current.Version : 0;
            if (!result.Success)
            {
                throw new RpcException(
                    RpcException.ServerError,
                    $"scripts do not compile ({result.Errors.Count} error{(result.Errors.Count == 1 ? string.Empty : "s")}); version {version} keeps serving",
                    new Dictionary<string, object?> { ["version"] = version, ["errors"] = result.Errors });
            }

            return CoreRpcMethods.Result(new Dictionary<string, object?>
            {
                ["version"] = version,
                ["compiled"] = result.Compiled,
                ["from_cache"] = result.FromCache,
                ["routes"] = scripts.RouteNames,
            });
        });

        table.Add("app_csx.list", "the script version serving now and its routes with their files", (_, _) =>
        {
            if (!scripts.IsLoaded)
            {
                return CoreRpcMethods.Result(new Dictionary<string, object?> { ["version"] = 0, ["routes"] = Array.Empty<object>() });
            }

            var current = scripts.Current;
            return CoreRpcMethods.Result(new Dictionary<string, object?>
            {
                ["version"] = current.Version,
                ["folder"] = scripts.ScriptsDirectory,
                ["retired_versions_alive"] = scripts.RetiredVersions,
                ["routes"] = scripts.RouteNames.Select(name => new Dictionary<string, object?>
                {
                    ["name"] = name,
                    ["file"] = current.SourcePath(name),
                }).ToList(),
            });
        });

        table.Add("plugins.list", "loaded plugins: name, version, folder, their RPC methods", (_, _) => CoreRpcMethods.Result(
            plugins.Loaded.Select(p => new Dictionary<string, object?>
            {
                ["name"] = p.Name,
                ["version"] = p.Version,
                ["folder"] = p.FolderName,
                ["rpc_methods"] = p.Context.RpcMethods.Keys.Order(StringComparer.Ordinal).ToList(),
            }).ToList()));
    }
}
