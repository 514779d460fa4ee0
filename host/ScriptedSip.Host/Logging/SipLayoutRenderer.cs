using System.Text;
using NLog;
using NLog.Config;
using NLog.LayoutRenderers;
using ScriptedSip.Core.Scheduling;

namespace ScriptedSip.Host.Logging;

/// <summary>
/// <c>${sip:item=callid|method|source|route|all}</c>: the message whose route turn is running on this
/// thread (the worker's route clock knows it), or outside a turn the message a line names through
/// <see cref="SipLogScope"/> (parse errors, transaction timers; no route then). Empty otherwise. Rendered on the logging
/// thread (not thread-agnostic), also behind NLog's async wrapper; computed only for lines written.
/// <c>all</c> is the text form appended to text layouts: <c> [Call-ID x; INVITE; from 1.2.3.4:5060; route request_route]</c>.
/// </summary>
[LayoutRenderer("sip")]
public sealed class SipLayoutRenderer : LayoutRenderer
{
    /// <summary>callid, method (method or status), source, route, or all.</summary>
    [DefaultParameter]
    public string Item { get; set; } = "all";

    protected override void Append(StringBuilder builder, LogEventInfo logEvent)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var clock = Core.Scheduling.SipScheduler.CurrentClock;
        string? route;
        ISipLogContext message;
        if (clock?.StartedAt is not (null or 0) && clock.Subject is ISipLogContext inTurn)
        {
            route = clock.Route;
            message = inTurn;
        }
        else if (SipLogScope.Current is { } outside)
        {
            route = null; // a line outside a route turn (parse error, timer): the message, no route
            message = outside;
        }
        else
        {
            return;
        }

        switch (Item.ToUpperInvariant())
        {
            case "CALLID":
                builder.Append(message.LogCallId);
                break;
            case "METHOD":
                builder.Append(message.LogMethodOrStatus);
                break;
            case "SOURCE":
                builder.Append(message.LogSource);
                break;
            case "ROUTE":
                builder.Append(route);
                break;
            default:
                builder.Append(" [");
                if (message.LogCallId is { } callId)
                {
                    builder.Append("Call-ID ").Append(callId).Append("; ").Append(message.LogMethodOrStatus).Append("; ");
                }

                builder.Append("from ").Append(message.LogSource);
                if (route is not null)
                {
                    builder.Append("; route ").Append(route);
                }

                builder.Append(']');
                break;
        }
    }
}
