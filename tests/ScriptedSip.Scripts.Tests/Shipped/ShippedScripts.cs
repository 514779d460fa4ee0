using ScriptedSip.Scripts.Tests.Infrastructure;

namespace ScriptedSip.Scripts.Tests.Shipped;

/// <summary>The shipped scripts/ as the server runs them, with the names the tests send to.</summary>
internal static class ShippedScripts
{
    /// <summary>The proxy's listen address (the default <c>Sip:Listen</c>): what <c>IsMyself</c> is true for.</summary>
    public const string Us = "127.0.0.1:5060";

    /// <summary>Where <c>example.com</c> resolves in these tests.</summary>
    public const string ExampleCom = "192.0.2.20";

    public static RouteTestHost Start() => RouteTestHost.Start(Options(Repository.Scripts));

    /// <summary>
    /// The shipped scripts with the plugins they call (Registrar, Auth, and Permissions for the non-SIP
    /// route's trusted group), as a plain proxy: authentication off, the location table in memory.
    /// </summary>
    public static RouteTestOptions Options(string scripts) =>
        new RouteTestOptions(scripts)
            .WithPlugin(Repository.Plugin("Registrar"))
            .WithPlugin(Repository.Plugin("Auth"))
            .WithPlugin(Repository.Plugin("Permissions"))
            .WithSetting("Plugins:Auth:Enabled", "false")
            .WithSetting("Plugins:Registrar:DataPath", "")
            .WithSetting("Plugins:Permissions:Groups:trusted:0", "127.0.0.1/32")
            .WithHost("example.com", ExampleCom);
}
