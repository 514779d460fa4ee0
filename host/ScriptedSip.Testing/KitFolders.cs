namespace ScriptedSip.Testing;

/// <summary>The temporary content root of a <see cref="RouteTestHost"/>: the plugin folders put into it, and its removal.</summary>
internal static class KitFolders
{
    /// <summary>Puts a plugin folder where the host loads plugins from, as <c>plugins/NAME/</c>: a link, or a copy where links cannot be made.</summary>
    public static void AddPlugin(string folder, string name, string pluginsPath)
    {
        if (!File.Exists(Path.Combine(folder, name + ".dll")))
        {
            throw new RouteTestStartException([$"plugin folder {folder}: no {name}.dll in it (a plugin folder holds NAME.dll; NAME is the folder's name unless WithPlugin names it)"]);
        }

        var target = Path.Combine(pluginsPath, name);
        try
        {
            // A link is what the server would see as plugins/NAME/, at no copying cost (a host
            // start on a warm cache is dominated by loading otherwise); Dispose removes the link only.
            Directory.CreateSymbolicLink(target, folder);
            return;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            // No symbolic links here (Windows without the privilege): copy instead.
        }

        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(folder, file);
            if (relative.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal) || relative.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                continue; // a plugin built into its project folder (as the shipped ones are) carries its build folders
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(target, relative))!);
            File.Copy(file, Path.Combine(target, relative));
        }
    }

    /// <summary>Removes a host's temporary folder (links inside it, not what they point to); a folder still in use stays.</summary>
    public static void DeleteQuietly(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
