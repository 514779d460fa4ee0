// Soak (and bench scenario E): the resumer's ":KREQUEST-RESUME-TRANSACTION:<tindex>:<tlabel>:RESUME:"
// datagram continues the suspended INVITE in route RESUME.
if (Si == "127.0.0.1" && Mb.StartsWith(":KREQUEST-RESUME-TRANSACTION:", System.StringComparison.Ordinal))
{
    var parts = Mb.Split(':');
    if (parts.Length < 4 || !TContinue(parts[2], parts[3], "RESUME"))
    {
        Xlog($"bench E: cannot resume '{Mb.Trim()}'");
    }
}
Exit();
