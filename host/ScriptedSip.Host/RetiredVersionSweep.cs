using ScriptedSip.Scripting;

namespace ScriptedSip.Host;

/// <summary>
/// After a swap, looks on a timer of the host's <see cref="TimeProvider"/> for replaced script
/// versions that no message runs on any more, and releases them (and with them the plugin versions
/// only they still used). A replaced version is gone only once the garbage collector has found
/// it unreachable, and an idle server may not collect for hours — meanwhile a replaced plugin's
/// services would keep running — so each check forces a collection. Checks are spaced further
/// apart while a version stays alive (a script awaiting something slow keeps its version), and
/// stop when none is left. Each check also returns the memory the compile freed to the kernel
/// (<see cref="NativeHeapTrim"/>), so a server reloaded every minute keeps a flat resident size;
/// one check runs a second after start for the first load's compile.
/// </summary>
internal sealed class RetiredVersionSweep : IDisposable
{
    private static readonly TimeSpan FirstCheck = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongestGap = TimeSpan.FromMinutes(1);
    private readonly ScriptRuntime _runtime;
    private readonly ITimer _timer;
    private readonly Lock _lock = new();
    private TimeSpan _gap = FirstCheck;
    private bool _disposed;

    public RetiredVersionSweep(ScriptRuntime runtime, TimeProvider time)
    {
        _runtime = runtime;
        _timer = time.CreateTimer(_ => Check(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _runtime.Swapped += OnSwapped;

        // Once at start too: the first load's compile (Roslyn, the framework's metadata) leaves
        // tens of megabytes of garbage that an idle server would otherwise keep resident.
        Schedule(FirstCheck);
    }

    public void Dispose()
    {
        _runtime.Swapped -= OnSwapped;
        lock (_lock)
        {
            _disposed = true;
            _timer.Dispose();
        }
    }

    private void OnSwapped(object? sender, RouteSetSwappedEventArgs e) => Schedule(FirstCheck);

    private void Check()
    {
        // Aggressive: the compile's garbage is gone now, and the heap it grew to is handed back to
        // the kernel (a plain collection keeps the segments committed for the next allocations).
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var alive = _runtime.ReleaseCollected();
        NativeHeapTrim.Trim();
        if (alive > 0)
        {
            Schedule(_gap * 2 < LongestGap ? _gap * 2 : LongestGap);
        }
    }

    private void Schedule(TimeSpan gap)
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _gap = gap;
                _timer.Change(gap, Timeout.InfiniteTimeSpan);
            }
        }
    }
}
