namespace ScriptedSip.Host.Management;

/// <summary>
/// The management endpoint's Unix domain socket file (<c>Management:Socket</c>): a file left by a
/// previous run that ended without removing it is replaced (binding would fail otherwise), and the
/// bound socket is made readable and writable by the server's user only — the file permissions are
/// what guards it, as Kamailio's ctl socket is guarded.
/// </summary>
internal static class ManagementSocket
{
    /// <summary>Removes a leftover socket file (an empty file at the path); a file with content is not ours and stays (binding then fails and names it).</summary>
    public static void RemoveStale(string path)
    {
        var file = new FileInfo(path);
        if (file.Exists && file.Length == 0)
        {
            file.Delete();
        }
    }

    public static void RestrictToOwner(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
