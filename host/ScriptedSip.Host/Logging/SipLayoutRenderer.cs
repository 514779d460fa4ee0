using System.Text;
using NLog;
using NLog.Config;
using NLog.LayoutRenderers;
using ScriptedSip.Core.Scheduling;

namespace ScriptedSip.Host.Logging;

/// <summary>
/// <c>${sip:item=callid|method|source|route|all}</c>: the message whose route turn is running on this
/// thread (the worker's route clock knows it). Empty outside a route turn. Rendered on the logging
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
        var route = clock?.Route;
        if (clock?.StartedAt is null or 0 || clock.Subject is not ISipLogContext message)
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

                builder.Append("from ").Append(message.LogSource).Append("; route ").Append(route).Append(']');
                break;
        }
    }
}
