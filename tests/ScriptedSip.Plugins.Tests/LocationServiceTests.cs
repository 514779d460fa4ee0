using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ScriptedSip.Plugins.Registrar;

namespace ScriptedSip.Plugins.Tests;

/// <summary>The location table's RFC 3261 §10.3 rules and its journal, without a host.</summary>
public sealed class LocationServiceTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private string _folder = string.Empty;

    [SetUp]
    public void CreateFolder() => _folder = Path.Combine(Path.GetTempPath(), "registrar-test-" + Guid.NewGuid().ToString("N")[..8]);

    [TearDown]
    public void DeleteFolder()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Test]
    public void SameCallIdOlderCSeq_Refused500_NewerReplacesTheBinding()
    {
        using var location = Create();
        Assert.That(location.Register(Request("bob@d", 5, Contact("sip:bob@1.2.3.4:5060"))).Status, Is.EqualTo(200));

        Assert.That(location.Register(Request("bob@d", 4, Contact("sip:bob@1.2.3.4:5060"))).Status, Is.EqualTo(500));
        Assert.That(location.Register(Request("bob@d", 6, Contact("sip:bob@1.2.3.4:5060", expires: 120))).Bindings, Has.Count.EqualTo(1));
    }

    [Test]
    public void SameInstance_NewContact_ReplacesTheOldBinding()
    {
        using var location = Create();
        location.Register(Request("bob@d", 1, Contact("sip:bob@10.0.0.1:5060", instance: "<urn:uuid:1>")));

        var outcome = location.Register(Request("bob@d", 2, Contact("sip:bob@10.0.0.2:5060", instance: "<urn:uuid:1>")));

        Assert.That(outcome.Bindings.Select(b => b.Contact), Is.EqualTo(new[] { "sip:bob@10.0.0.2:5060" }));
    }

    [Test]
    public void Contacts_BestQFirst_ExpiredOnesGone()
    {
        using var location = Create();
        location.Register(Request("bob@d", 1, Contact("sip:low@1.1.1.1", q: 100), Contact("sip:high@1.1.1.2", q: 900, expires: 60)));

        Assert.That(location.Contacts("bob@d").Select(b => b.Contact), Is.EqualTo(new[] { "sip:high@1.1.1.2", "sip:low@1.1.1.1" }));
        _time.Advance(TimeSpan.FromSeconds(61));
        Assert.That(location.Contacts("bob@d").Select(b => b.Contact), Is.EqualTo(new[] { "sip:low@1.1.1.1" }));
    }

    [Test]
    public void Sweep_RemovesExactlyTheExpired_NothingBeforeTheEarliestExpiry_ARefreshToAShorterExpiryIsSweptOnTime()
    {
        using var location = Create();
        location.Register(Request("bob@d", 1, Contact("sip:bob@1.1.1.1", expires: 600)));
        location.Register(Request("ann@d", 1, Contact("sip:ann@1.1.1.2", expires: 3600)));

        _time.Advance(TimeSpan.FromSeconds(599));
        Assert.That(location.SweepExpired(), Is.EqualTo(0));

        // bob refreshes with a shorter expiry than the earliest one the table knew of
        location.Register(Request("bob@d", 2, Contact("sip:bob@1.1.1.1", expires: 60)));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.That(location.SweepExpired(), Is.EqualTo(0), "the refresh moved bob's expiry from 600 s to 659 s");
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.That(location.SweepExpired(), Is.EqualTo(1), "bob's refreshed binding, 60 s after the refresh");
        Assert.That(location.AorCount, Is.EqualTo(1));

        _time.Advance(TimeSpan.FromSeconds(3000));
        Assert.That(location.SweepExpired(), Is.EqualTo(1), "ann's");
        Assert.That(location.AorCount, Is.EqualTo(0));
    }

    [Test]
    public void Journal_ReloadedAfterAbruptEnd_SnapshotPlusJournal_TruncatedTailCountedAndCut()
    {
        var location = Create();
        location.Register(Request("alice@d", 1, Contact("sip:alice@1.1.1.1")));
        location.Snapshot();
        location.Register(Request("bob@d", 1, Contact("sip:bob@1.1.1.2")));
        location.Register(Request("alice@d", 2, Contact("sip:alice@1.1.1.1", expires: 0)));

        // Closed without a snapshot, as after a crash; then half a record is appended, as a crash mid-write leaves it.
        location.Dispose();
        var journal = Path.Combine(_folder, "journal.bin");
        var goodLength = new FileInfo(journal).Length;
        using (var file = new FileStream(journal, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
        {
            file.Write([200, 0, 0, 0, 1, 2, 3, 4, (byte)'{']);
        }

        using var store = new JournalStore(_folder, FsyncPolicy.Never, NullLogger.Instance);
        var reloaded = new LocationService(store, new RegistrarOptions(), _time, NullLogger.Instance);

        Assert.That(reloaded.Contacts("bob@d"), Has.Count.EqualTo(1));
        Assert.That(reloaded.Contacts("alice@d"), Is.Empty, "the removal after the snapshot is replayed");
        Assert.That(store.TruncatedRecords, Is.EqualTo(1));
        Assert.That(new FileInfo(journal).Length, Is.EqualTo(goodLength), "cut to the last good record");
        reloaded.Register(Request("carol@d", 1, Contact("sip:carol@1.1.1.3")));
        reloaded.Dispose();
        using var again = new JournalStore(_folder, FsyncPolicy.Never, NullLogger.Instance);
        Assert.That(again.Load().Keys, Is.EquivalentTo(new[] { "bob@d", "carol@d" }), "appends after the cut are readable");
        Assert.That(again.TruncatedRecords, Is.Zero);
    }

    [Test]
    public void LiveReload_TwoVersionsOnOneJournal_EachSeesTheOthersSaves_FileStaysWhole()
    {
        // A live reload: the new version loads while the old one still serves and saves.
        var old = Create();
        old.Register(Request("alice@d", 1, Contact("sip:alice@1.1.1.1")));
        var fresh = Create();
        Assert.That(fresh.Contacts("alice@d"), Has.Count.EqualTo(1), "loaded from the journal");

        old.Register(Request("bob@d", 1, Contact("sip:bob@1.1.1.2")));          // the old version, after the new one loaded
        fresh.Register(Request("carol@d", 1, Contact("sip:carol@1.1.1.3")));    // the new version
        Assert.That(fresh.Contacts("bob@d"), Has.Count.EqualTo(1), "what the old version saved reaches the new one");
        Assert.That(old.Contacts("carol@d"), Has.Count.EqualTo(1), "and the other way round");

        fresh.Snapshot();                                                      // compaction while the old one lives
        old.Register(Request("alice@d", 2, Contact("sip:alice@1.1.1.1", expires: 0)));
        Assert.That(fresh.Contacts("alice@d"), Is.Empty);
        old.Dispose();                                                         // the old version drains and stops
        fresh.Register(Request("dave@d", 1, Contact("sip:dave@1.1.1.4")));
        fresh.Dispose();

        using var restarted = new JournalStore(_folder, FsyncPolicy.Never, NullLogger.Instance);
        Assert.That(restarted.Load().Keys, Is.EquivalentTo(new[] { "bob@d", "carol@d", "dave@d" }), "snapshot + journal hold every change of both versions");
        Assert.That(restarted.TruncatedRecords, Is.Zero, "nothing damaged");
    }

    [Test]
    public void LiveReload_AfterACompaction_NewVersionReadsSnapshotAndJournal()
    {
        // The new version reads the snapshot and the journal's records before it takes the lock.
        using var old = Create();
        old.Register(Request("alice@d", 1, Contact("sip:alice@1.1.1.1")));
        old.Snapshot();                                                        // alice now in snapshot.json, the journal cut
        old.Register(Request("bob@d", 1, Contact("sip:bob@1.1.1.2")));          // bob in the journal only

        using var fresh = Create();
        Assert.That(fresh.Contacts("alice@d"), Has.Count.EqualTo(1), "from the snapshot");
        Assert.That(fresh.Contacts("bob@d"), Has.Count.EqualTo(1), "from the journal");
    }

    [TestCase("<sip:a@b>, <sip:c@d>;q=0.5;expires=30", 2)]
    [TestCase("\"Bob, the builder\" <sip:bob@b>;+sip.instance=\"<urn:uuid:x>\";reg-id=1", 1)]
    [TestCase("sip:bob@b;expires=10", 1)]
    public void ContactHeader_ParsesNameAddrAndAddrSpec(string line, int count)
    {
        Assert.That(ContactHeader.TryParse([line], 10, out var contacts, out _, out var error), Is.True, error);
        Assert.That(contacts, Has.Count.EqualTo(count));
    }

    [TestCase("<sip:a@b")]
    [TestCase("\"unterminated <sip:a@b>")]
    [TestCase("<sip:a@b>;q=1.5")]
    [TestCase("<sip:a@b>;expires=-1")]
    [TestCase("<tel:+123>")]
    [TestCase("*, <sip:a@b>")]
    public void ContactHeader_Malformed_FalseWithAReason_NeverThrows(string line)
    {
        Assert.That(ContactHeader.TryParse([line], 10, out _, out _, out var error), Is.False);
        Assert.That(error, Is.Not.Empty);
    }

    private LocationService Create() =>
        new(new JournalStore(_folder, FsyncPolicy.Never, NullLogger.Instance), new RegistrarOptions(), _time, NullLogger.Instance);

    private static RegisterRequest Request(string aor, long cseq, params ContactValue[] contacts) =>
        new(aor, contacts, Star: false, ExpiresHeader: null, CallId: "call-1", CSeq: cseq);

    private static ContactValue Contact(string uri, int? expires = 3600, int q = 1000, string? instance = null) => new(uri, expires, q, instance, 0);
}
