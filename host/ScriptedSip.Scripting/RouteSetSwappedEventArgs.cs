using ScriptedSip.Core.Routing;

namespace ScriptedSip.Scripting;

public sealed class RouteSetSwappedEventArgs : EventArgs
{
    public RouteSetSwappedEventArgs(IRouteSet current, IRouteSet? previous)
    {
        Current = current;
        Previous = previous;
    }

    public IRouteSet Current { get; }

    public IRouteSet? Previous { get; }
}
