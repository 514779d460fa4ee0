using NUnit.Framework;
using ScriptedSip.Testing;

namespace MyRoutes.Tests;

/// <summary>Starts the scripts of ../scripts (copied next to the tests) in the route test kit.</summary>
internal static class Scripts
{
    public static string Folder => Path.Combine(TestContext.CurrentContext.TestDirectory, "scripts");

    /// <summary>Host names in request URIs resolve from this table only: tests never use DNS.</summary>
    public static RouteTestHost Start(string? folder = null) =>
        RouteTestHost.Start(new RouteTestOptions(folder ?? Folder).WithHost("example.com", "192.0.2.20"));
}
