namespace ScriptedSip.Core.Scheduling;

/// <summary>
/// Looks after every <see cref="HandoffThreads"/> of the process (each listener's receivers, each
/// stream read thread, the timer wheel's ticker): it asks each of them whether an inline turn has
/// overrun <see cref="HandoffThreads.Budget"/>.
/// <para>
/// Who looks: while the timer wheel ticks (it does whenever a timer is pending, so always under SIP
/// load), the ticker looks at every other loop after each tick (<see cref="LookFromTicker"/>) — it is
/// awake every 10 ms anyway. The watch's own thread then only needs to look at the ticker (a route
/// turn run after a tick can block it too), and does so every <see cref="DelegatedPause"/> instead of
/// every budget. Each wake-up of a sleeping thread costs some 25–35 µs on a virtual machine, so the
/// 100 wake-ups a second of a watch of its own were 2 % of the server's CPU under load. When the
/// ticker's looks stop (it parks with no timer pending, or a turn holds it), the watch looks at
/// everything every budget again.
/// </para>
/// <para>
/// Chores (<see cref="AddChore"/>: the overload monitor's sampling) run with the looks at the loops,
/// on whichever thread makes them, so they wake no thread of their own while SIP traffic flows.
/// </para>
/// While no loop has run an inline turn for about a second the watch parks until the next turn
/// starts, so an idle server wakes nobody.
/// </summary>
internal static class HandoffWatch
{
    // The watch parks after this long without a single inline turn anywhere.
    private static readonly TimeSpan IdleBeforeParking = TimeSpan.FromSeconds(1);

    // The shortest sleep between looks (a turn found just short of its budget).
    private static readonly TimeSpan MinimumPause = TimeSpan.FromMilliseconds(1);

    // The watch's pace while the ticker looks at the other loops: a blocked ticker is replaced
    // within this plus a budget.
    private static readonly TimeSpan DelegatedPause = TimeSpan.FromMilliseconds(50);

    // The ticker's looks count as current while the last was at most this long ago (ticks come every
    // 10 ms; a tick runs late by at most the turns after the previous one).
    private const long DelegationFreshMs = 30;

    private static readonly Lock Gate = new();
    private static readonly ManualResetEventSlim Wake = new(false, spinCount: 0);
    private static HandoffThreads[] s_watched = [];
    private static Action[] s_chores = [];
    private static Thread? s_thread;
    private static int s_parked;
    private static int s_parks;

    // Environment.TickCount64 of the ticker's last look (0: never), and the last time any look saw a turn.
    private static long s_tickerLookedAt;
    private static long s_lastActiveAt;
    private static long s_tickerLooks;
    private static long s_ownLooks;
    private static long s_wakes;

    /// <summary>Times the watch parked because every loop was idle (observable in tests).</summary>
    public static int Parks => Volatile.Read(ref s_parks);

    /// <summary>Looks the ticker made for the other loops (observable in tests).</summary>
    public static long TickerLooks => Interlocked.Read(ref s_tickerLooks);

    /// <summary>Times the watch's own thread woke to look (observable in tests).</summary>
    public static long Wakes => Interlocked.Read(ref s_wakes);

    /// <summary>Looks the watch's own thread made at loops other than the tickers (observable in tests).</summary>
    public static long OwnLooks => Interlocked.Read(ref s_ownLooks);

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

    /// <summary>
    /// Runs <paramref name="chore"/> about every <see cref="HandoffThreads.Budget"/> while any loop
    /// runs turns (never while the watch parks): after each tick of the timer wheel, or on the
    /// watch's own thread while the wheel is quiet. It must be short and never block.
    /// </summary>
    public static void AddChore(Action chore)
    {
        lock (Gate)
        {
            s_chores = [.. s_chores, chore];
        }
    }

    /// <summary>The chores now (observable in tests).</summary>
    internal static Action[] Chores => Volatile.Read(ref s_chores);

    public static void RemoveChore(Action chore)
    {
        lock (Gate)
        {
            s_chores = Array.FindAll(s_chores, c => c != chore);
        }
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

    /// <summary>
    /// The timer wheel's ticker, after a tick: looks at every loop but the tickers. Lock-free and
    /// short (a few reads per loop); a loop found over its budget is handed to a new thread here.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // periodic: compiled optimised once, never recompiled while SIP runs
    public static void LookFromTicker()
    {
        var anyTurns = false;
        foreach (var threads in Volatile.Read(ref s_watched))
        {
            if (!threads.IsTicker)
            {
                anyTurns |= threads.Look(out _);
            }
        }

        var now = Environment.TickCount64;
        if (anyTurns)
        {
            Volatile.Write(ref s_lastActiveAt, now);
        }

        Volatile.Write(ref s_tickerLookedAt, now);
        Interlocked.Increment(ref s_tickerLooks);
        RunChores();
    }

    private static void RunChores()
    {
        foreach (var chore in Volatile.Read(ref s_chores))
        {
            chore();
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] // periodic: compiled optimised once, never recompiled while SIP runs
    private static void Run()
    {
        var pause = HandoffThreads.Budget;
        Volatile.Write(ref s_lastActiveAt, Environment.TickCount64);
        while (true)
        {
            Thread.Sleep(pause);
            Interlocked.Increment(ref s_wakes);
            var now = Environment.TickCount64;
            var delegated = now - Volatile.Read(ref s_tickerLookedAt) <= DelegationFreshMs;
            var anyTurns = false;
            pause = delegated ? DelegatedPause : HandoffThreads.Budget;
            foreach (var threads in Volatile.Read(ref s_watched))
            {
                if (delegated && !threads.IsTicker)
                {
                    continue; // the ticker looks at it
                }

                if (!threads.IsTicker)
                {
                    Interlocked.Increment(ref s_ownLooks);
                }

                anyTurns |= threads.Look(out var untilOverrun);

                // A turn seen running is looked at again just after its budget ends, not a whole
                // period later: a blocking route holds its loop for about one budget, not up to two.
                var next = untilOverrun + MinimumPause;
                if (threads.InTurn && next < pause)
                {
                    pause = next;
                }
            }

            if (anyTurns)
            {
                Volatile.Write(ref s_lastActiveAt, now);
            }

            if (!delegated)
            {
                RunChores(); // the ticker does them while it looks
            }

            if (now - Volatile.Read(ref s_lastActiveAt) < (long)IdleBeforeParking.TotalMilliseconds)
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
            Volatile.Write(ref s_lastActiveAt, Environment.TickCount64);
            pause = HandoffThreads.Budget;
        }
    }
}
