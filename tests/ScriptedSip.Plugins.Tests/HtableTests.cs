using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ScriptedSip.Plugins.Htable;
using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Plugins.Tests;

/// <summary>Htable semantics: values, counters, deletes, bounds, expiry under fake time, concurrency.</summary>
public sealed class HtableTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Test]
    public void SetGet_StringAndLong_RoundTrip_AbsentIsNull()
    {
        var table = Create(("users", new TableOptions()));

        table.Set("users", "alice", "active");
        table.Set("users", "calls", 42L);

        Assert.That(table.Get("users", "alice"), Is.EqualTo("active"));
        Assert.That(table.Get("users", "calls"), Is.EqualTo(42L));
        Assert.That(table.Get("users", "nobody"), Is.Null);
    }

    [Test]
    public void Inc_StartsAtZero_AddsAndReturnsTheNewValue_ReplacesAString()
    {
        var table = Create(("c", new TableOptions()));

        Assert.That(table.Inc("c", "n"), Is.EqualTo(1));
        Assert.That(table.Inc("c", "n", 5), Is.EqualTo(6));
        table.Set("c", "s", "text");
        Assert.That(table.Inc("c", "s"), Is.EqualTo(1));
    }

    [Test]
    public void Delete_RemovesOnce()
    {
        var table = Create(("t", new TableOptions()));
        table.Set("t", "k", "v");

        Assert.That(table.Delete("t", "k"), Is.True);
        Assert.That(table.Delete("t", "k"), Is.False);
        Assert.That(table.Get("t", "k"), Is.Null);
    }

    [Test]
    public void UnknownTable_ArgumentExceptionNamingTheConfigKey()
    {
        var table = Create(("t", new TableOptions()));

        var error = Assert.Throws<ArgumentException>(() => table.Get("nope", "k"));
        Assert.That(error!.Message, Does.Contain("Plugins:Htable:Tables:nope"));
    }

    [Test]
    public void FullTable_EvictsTheLeastRecentlyWritten_CountsEvictions_NeverGrows()
    {
        var table = Create(("t", new TableOptions { Size = 3 }));
        table.Set("t", "a", 1L);
        table.Set("t", "b", 2L);
        table.Set("t", "c", 3L);
        table.Set("t", "a", 10L); // a is now the most recent

        table.Set("t", "d", 4L);

        Assert.That(table.Count("t"), Is.EqualTo(3));
        Assert.That(table.Evicted("t"), Is.EqualTo(1));
        Assert.That(table.Get("t", "b"), Is.Null, "b was the least recently written");
        Assert.That(table.Get("t", "a"), Is.EqualTo(10L));
        for (var i = 0; i < 1000; i++)
        {
            table.Set("t", "x" + i, i);
        }

        Assert.That(table.Count("t"), Is.EqualTo(3));
        Assert.That(table.Evicted("t"), Is.EqualTo(1001));
    }

    [Test]
    public void AutoExpire_ItemGoneAfterItsTime_RewriteExtendsIt()
    {
        var table = Create(("t", new TableOptions { AutoExpire = 10 }));
        table.Set("t", "k", "v");
        table.Set("t", "kept", "v");

        _time.Advance(TimeSpan.FromSeconds(9));
        table.Set("t", "kept", "again");
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.That(table.Get("t", "k"), Is.Null);
        Assert.That(table.Get("t", "kept"), Is.EqualTo("again"));
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.That(table.Get("t", "kept"), Is.Null);
    }

    [Test]
    public void Expire_PerItem_ZeroMeansNever()
    {
        var table = Create(("t", new TableOptions { AutoExpire = 5 }));
        table.Set("t", "short", "v");
        table.Set("t", "forever", "v");

        Assert.That(table.Expire("t", "short", 1), Is.True);
        Assert.That(table.Expire("t", "forever", 0), Is.True);
        Assert.That(table.Expire("t", "absent", 1), Is.False);
        _time.Advance(TimeSpan.FromSeconds(60));

        Assert.That(table.Get("t", "short"), Is.Null);
        Assert.That(table.Get("t", "forever"), Is.EqualTo("v"));
    }

    [Test]
    public async Task ExpirySweeper_RemovesExpiredItems_RaisesTheTableExpireRoute()
    {
        var options = new HtableOptions { SweepIntervalMs = 1000 };
        options.Tables["sessions"] = new TableOptions { AutoExpire = 3, ExpireRoute = "htable_expired" };
        var host = new RecordingHost();
        var context = new TestContext(options, _time, host);
        new HtablePlugin().Configure(context);
        var table = (Htable.Htable)context.Exported!;
        await context.Service!.StartAsync(CancellationToken.None);
        table.Set("sessions", "abc", "x");

        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.That(host.Events, Is.Empty);
        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.That(host.Events, Is.EqualTo(new[] { ("htable_expired", "sessions:abc") }));
        Assert.That(table.Count("sessions"), Is.Zero);
        await context.Service.StopAsync(CancellationToken.None);
    }

    [Test]
    public void ConcurrentIncrements_FromManyThreads_NoneLost()
    {
        var table = Create(("c", new TableOptions { Size = 10 }));
        const int Threads = 8;
        const int PerThread = 20_000;

        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, _ =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                table.Inc("c", "hits");
            }
        });

        Assert.That(table.Get("c", "hits"), Is.EqualTo((long)Threads * PerThread));
    }

    [TestCase(0, 0, "Size: 0 is out of range")]
    [TestCase(10, -1, "AutoExpire: -1 is out of range")]
    public void InvalidTableOptions_PluginRefusesToConfigureNamingTheKey(int size, int autoExpire, string expected)
    {
        var options = new HtableOptions();
        options.Tables["t"] = new TableOptions { Size = size, AutoExpire = autoExpire };
        var context = new TestContext(options, _time, new RecordingHost());

        var error = Assert.Throws<InvalidOperationException>(() => new HtablePlugin().Configure(context));
        Assert.That(error!.Message, Does.Contain("Tables:t:" + expected));
    }

    private Htable.Htable Create(params (string Name, TableOptions Options)[] tables)
    {
        var options = new HtableOptions();
        foreach (var (name, table) in tables)
        {
            options.Tables[name] = table;
        }

        var context = new TestContext(options, _time, new RecordingHost());
        new HtablePlugin().Configure(context);
        return (Htable.Htable)context.Exported!;
    }

    private sealed class RecordingHost : ISipHost
    {
        public List<(string Route, string Text)> Events { get; } = [];

        public bool TContinue(uint tindex, uint tlabel, string route) => false;

        public bool RaiseEvent(string route, string text)
        {
            Events.Add((route, text));
            return true;
        }

        public Task<int> SendRequestAsync(string method, string uri, string from, string? extraHeaders, TimeSpan timeout, CancellationToken cancellationToken) =>
            throw new NotSupportedException("Htable sends no requests");

        public bool SendDatagram(string uri, ReadOnlySpan<byte> payload) => throw new NotSupportedException("Htable sends nothing");
    }

    [Test]
    public async Task Rpc_SetsGetDumpDelete_ByPositionAndByName_BadParamsAreArgumentErrors()
    {
        var options = new HtableOptions { Tables = { ["users"] = new TableOptions() } };
        var context = new TestContext(options, _time, new RecordingHost());
        new HtablePlugin().Configure(context);
        Assert.That(context.RpcMethods.Keys, Is.EquivalentTo((string[])["htable.dump", "htable.get", "htable.sets", "htable.delete"]));

        async Task<object?> Call(string method, string json) =>
            await context.RpcMethods[method](System.Text.Json.JsonDocument.Parse(json).RootElement, CancellationToken.None);

        Assert.That(await Call("htable.sets", """["users", "alice", "active"]"""), Is.True);
        Assert.That(await Call("htable.sets", """{"htable": "users", "key": "bob", "value": "away"}"""), Is.True);
        var got = (Dictionary<string, object?>)(await Call("htable.get", """["users", "alice"]"""))!;
        Assert.That(got["value"], Is.EqualTo("active"));
        var dump = (List<Dictionary<string, object?>>)(await Call("htable.dump", """["users"]"""))!;
        Assert.That(dump.Select(d => d["key"]), Is.EqualTo((string[])["alice", "bob"]));
        Assert.That(await Call("htable.delete", """["users", "alice"]"""), Is.True);
        Assert.That(await Call("htable.delete", """["users", "alice"]"""), Is.False);

        Assert.That(async () => await Call("htable.dump", """["nosuch"]"""), Throws.ArgumentException.With.Message.Contains("no htable 'nosuch'"));
        Assert.That(async () => await Call("htable.get", """["users"]"""), Throws.ArgumentException.With.Message.Contains("key"));
        Assert.That(async () => await Call("htable.sets", """["users", "k", 5]"""), Throws.ArgumentException.With.Message.Contains("value must be a string"));
    }

    /// <summary>A minimal plugin context: options as given, validation applied like the host does.</summary>
    private sealed class TestContext(HtableOptions options, TimeProvider time, ISipHost host) : IPluginContext
    {
        public Microsoft.Extensions.Logging.ILogger Logger => NullLogger.Instance;

        public TimeProvider Time => time;

        public string ContentRoot => Path.GetTempPath();

        public ISipHost Host => host;

        public object? Exported { get; private set; }

        public IPluginService? Service { get; private set; }

        public TOptions GetOptions<TOptions>(Func<TOptions, IEnumerable<string>>? validate = null)
            where TOptions : class, new()
        {
            var typed = (TOptions)(object)options;
            var problems = validate?.Invoke(typed).ToList() ?? [];
            return problems.Count == 0 ? typed : throw new InvalidOperationException(string.Join("; ", problems));
        }

        public void Export<T>(T instance)
            where T : class => Exported = instance;

        public void AddService(IPluginService service) => Service = service;

        public Dictionary<string, Func<System.Text.Json.JsonElement?, CancellationToken, ValueTask<object?>>> RpcMethods { get; } = [];

        public void AddRpcMethod(string name, Func<System.Text.Json.JsonElement?, CancellationToken, ValueTask<object?>> handler) => RpcMethods.Add(name, handler);

        public void OnOptionsChanged<TOptions>(Func<TOptions, IEnumerable<string>>? validate, Action<TOptions> onChange)
            where TOptions : class, new() => throw new NotSupportedException("Htable does not reload its options");

        public void AddRequestFilter(IRequestFilter filter) => throw new NotSupportedException("Htable has no request filter");
    }
}
