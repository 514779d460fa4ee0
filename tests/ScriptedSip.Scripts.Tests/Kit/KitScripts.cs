namespace ScriptedSip.Scripts.Tests.Kit;

/// <summary>Small routes the kit's own tests run: each exercises one mechanism of the server.</summary>
internal static class KitScripts
{
    /// <summary>X-Mode picks the mechanism; anything else is relayed.</summary>
    public const string RequestRoute = """
        switch (Hdr("X-Mode"))
        {
            case "suspend":
                TSuspend();
                Xlog($"parked {TIndex}:{TLabel}");
                return;
            case "async":
                AsyncRoute("LATER", 3);
                return;
            case "sleep":
                Xlog("before sleep");
                await AsyncSleep(2);
                Xlog("after sleep");
                TRelay();
                return;
            case "yield":
                await Task.Yield();
                Xlog("after yield");
                TRelay();
                return;
            case "failover":
                TOnFailure("NEXT");
                TRelay();
                return;
            case "throw":
                throw new InvalidOperationException("boom");
            case "drop":
                Drop();
                return;
        }

        if (IsMethod("INVITE"))
        {
            RecordRoute();
        }

        TRelay();
        """;

    public const string Later = """
        Xlog("later");
        TRelay();
        """;

    /// <summary>The failure route: the next hop after the first failed.</summary>
    public const string Next = """
        Xlog($"failed with {Rs}; trying the backup");
        if (!TRelay("sip:backup@192.0.2.30:5060"))
        {
            TReply(500, "No Backup");
        }
        """;

    public const string NoSip = """
        var parts = Mb.Split(':');
        TContinue(parts[0], parts[1], parts[2]);
        """;

    public const string Resumed = """
        Xlog("resumed");
        TRelay();
        """;
}
