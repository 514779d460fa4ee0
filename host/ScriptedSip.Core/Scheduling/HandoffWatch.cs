namespace ScriptedSip.Core.Scheduling;

/// <summary>
/// The one thread that looks after every <see cref="HandoffThreads"/> of the process (each UDP
/// listener's receivers, the timer wheel's ticker): every <see cref="HandoffThreads.Budget"/> it asks
/// each of them whether an inline turn has overrun — sooner when a turn it saw running will reach its
/// budget before that. One watch instead of one per loop: under load each
/// watch wakes 100 times a second, and those wake-ups were a measurable share of the server's CPU.
/// While no loop has run an inline turn for about a second the watch parks until the next turn
/// starts, so an idle server wakes nobody.
/// </summary>
internal static class HandoffWatch
{
    // After this many looks without a single inline turn anywhere (about a second) the watch parks.
    private const int IdleLooksBeforeParking = 100;

    // The shortest sleep between looks (a turn found just short of its budget).
    private static readonly TimeSpan MinimumPause = TimeSpan.FromMilliseconds(1);

    private static readonly Lock Gate = new();
    private static readonly ManualResetEventSlim Wake = new(false, spinCount: 0);
    private static HandoffThreads[] s_watched = [];
    private static Thread? s_thread;
    private static int s_parked;
    private static int s_parks;

    /// <summary>Times the watch parked because every loop was idle (observable in tests).</summary>
    public static int Parks => Volatile.Read(ref s_parks);

    public static void Add(HandoffThreads threads)
    {
        lock (Gate)
        {
            s_watched = [.. s_watched, threads];
            if (s_thread is null)
            {
                s_thread = new Thread(Run) { IsBackground = true, Name = "sip-handoff-watch" };
                s_thread.Start();
            }
        }

        Wake.Set();
    }

    public static void Remove(HandoffThreads threads)
    {
        lock (Gate)
        {
            s_watched = Array.FindAll(s_watched, t => !ReferenceEquals(t, threads));
        }
    }

    /// <summary>
    /// A loop started an inline turn (after its full fence): wake the watch if it parked. Pairs with
    /// the fence in <see cref="Run"/>: either the watch sees the turn before it parks, or this call
    /// sees it parked.
    /// </summary>
    public static void TurnStarted()
    {
        if (Volatile.Read(ref s_parked) == 1)
        {
            Wake.Set();
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // periodic: compiled optimised once, never recompiled while SIP runs
    private static void Run()
    {
        var idleLooks = 0;
        var pause = HandoffThreads.Budget;
        while (true)
        {
            Thread.Sleep(pause);
            var watched = Volatile.Read(ref s_watched);
            var anyTurns = false;
            pause = HandoffThreads.Budget;
            foreach (var threads in watched)
            {
                anyTurns |= threads.Look(out var untilOverrun);

                // A turn seen running is looked at again just after its budget ends, not a whole
                // period later: a blocking route holds its loop for about one budget, not up to two.
                var next = untilOverrun + MinimumPause;
                pause = next < pause ? next : pause;
            }

            idleLooks = anyTurns ? 0 : idleLooks + 1;
            if (idleLooks < IdleLooksBeforeParking)
            {
                continue;
            }

            Interlocked.Exchange(ref s_parked, 1);
            var stillIdle = true;
            foreach (var threads in Volatile.Read(ref s_watched))
            {
                stillIdle &= !threads.InTurn;
            }

            if (stillIdle)
            {
                Interlocked.Increment(ref s_parks);
                Wake.Wait();
            }

            Interlocked.Exchange(ref s_parked, 0);
            Wake.Reset();
            idleLooks = 0;
        }
    }
}
