namespace ScriptedSip.Scripting;

/// <summary>
/// Replaced route-set versions on which a route may still run. A message keeps the route set it
/// started with for its whole run — across awaits too: the awaiting script's state refers to the
/// message, the message to its route set — so "no route of that version runs any more" is exactly
/// "the route set object is unreachable". That is observed without a finalizer, by a weak
/// reference to the route set.
/// </summary>
/// <remarks>
/// Not a weak reference to the version's load context or assemblies: those can outlive the last
/// route by an unbounded time (a worker thread's frame may keep the completed state machine of the
/// last await continuation it ran until it runs another), and the plugins must not wait for that.
/// The context still unloads on its own once nothing refers to its code.
/// </remarks>
internal sealed class RetiredRouteSets
{
    private readonly Lock _lock = new();
    private readonly List<Retired> _versions = [];

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _versions.Count;
            }
        }
    }

    /// <summary>Tracks a version that was just replaced.</summary>
    public void Add(LoadedRouteSet routes)
    {
        var retired = new Retired(routes.Version, new WeakReference(routes), routes.Environment);
        lock (_lock)
        {
            _versions.Add(retired);
        }
    }

    /// <summary>Removes and returns the versions collected since the last call, oldest first.</summary>
    public List<(int Version, ScriptEnvironment Environment)> TakeCollected()
    {
        var gone = new List<(int, ScriptEnvironment)>();
        lock (_lock)
        {
            var alive = new List<Retired>(_versions.Count);
            foreach (var version in _versions)
            {
                if (version.Routes.IsAlive)
                {
                    alive.Add(version);
                }
                else
                {
                    gone.Add((version.Version, version.Environment));
                }
            }

            _versions.Clear();
            _versions.AddRange(alive);
        }

        return gone;
    }

    private sealed record Retired(int Version, WeakReference Routes, ScriptEnvironment Environment);
}
