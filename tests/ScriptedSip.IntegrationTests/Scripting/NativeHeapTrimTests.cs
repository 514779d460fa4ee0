using ScriptedSip.Host;

namespace ScriptedSip.IntegrationTests.Scripting;

[TestFixture]
public class NativeHeapTrimTests
{
    [Test]
    public void Trim_ReachesGlibcOnLinux()
    {
        // The sweep after a reload relies on this call resolving; a wrong entry point or library
        // name would only show as a slowly growing resident size.
        Assert.That(NativeHeapTrim.Trim(), Is.EqualTo(OperatingSystem.IsLinux()));
    }
}
