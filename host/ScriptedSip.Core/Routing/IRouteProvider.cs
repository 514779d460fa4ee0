namespace ScriptedSip.Core.Routing;

/// <summary>Where the message path reads the route set that is loaded now.</summary>
public interface IRouteProvider
{
    IRouteSet Current { get; }
}
