using System.Diagnostics.Metrics;
using ScriptedSip.Core.Transactions;

namespace ScriptedSip.Core.Stats;

/// <summary>
/// Publishes the server's counters through System.Diagnostics.Metrics: one <see cref="Meter"/> named
/// <c>ScriptedSip</c> per server, disposed with it. Every instrument is observable: the message path
/// keeps incrementing <see cref="SipCounters"/> (one interlocked add) and pays nothing more; the
/// callbacks read the values only when a listener collects (an exporter's scrape, a MeterListener).
/// </summary>
public sealed class SipMetrics : IDisposable
{
    public const string MeterName = "ScriptedSip";

    private readonly Meter _meter;

    public SipMetrics(SipCounters counters, TransactionLayer transactions)
    {
        ArgumentNullException.ThrowIfNull(counters);
        ArgumentNullException.ThrowIfNull(transactions);
        _meter = new Meter(MeterName, typeof(SipMetrics).Assembly.GetName().Version?.ToString());
        foreach (var instrument in SipInstruments.Counters)
        {
            var counter = instrument.Counter;
            _meter.CreateObservableCounter(instrument.Name, () => counters[counter], instrument.Unit, instrument.Description);
        }

        _meter.CreateObservableCounter(SipInstruments.RequestsByMethod, () => RequestsByMethod(counters), "{request}", "SIP requests received and parsed, by method (UNKNOWN: a method the server has no name for)");
        _meter.CreateObservableCounter(SipInstruments.RepliesByClass, () => RepliesByClass(counters), "{reply}", "Replies sent upstream, by status class");
        counters.AttachHistograms(
            _meter.CreateHistogram<double>(SipInstruments.RouteDuration, "s", SipInstruments.RouteDurationDescription),
            _meter.CreateHistogram<double>(SipInstruments.FinalReplyDelay, "s", "Time from a request's arrival to its transaction's first final reply"));
        _meter.CreateObservableGauge(SipInstruments.TmCurrent, () => transactions.Table.Count, "{transaction}", "Transactions in the table now, lingering finished ones included");
        _meter.CreateObservableGauge(SipInstruments.TcpCurrentOpened, () => counters[SipCounter.TcpAccepted] + counters[SipCounter.TcpConnecting] - counters[SipCounter.TcpClosed], "{connection}", "TCP and TLS connections open now");
        _meter.CreateObservableGauge(SipInstruments.TmSuspended, () => transactions.SuspendedNow, "{transaction}", "Transactions suspended or awaiting now");
    }

    private static IEnumerable<Measurement<long>> RequestsByMethod(SipCounters counters)
    {
        for (var i = 0; i < SipCounters.Methods.Count; i++)
        {
            yield return new Measurement<long>(counters.RequestsOf(i), new KeyValuePair<string, object?>("method", SipCounters.Methods[i]));
        }
    }

    private static IEnumerable<Measurement<long>> RepliesByClass(SipCounters counters)
    {
        for (var i = 0; i < 6; i++)
        {
            yield return new Measurement<long>(counters[SipCounter.SentReplies1xx + i], new KeyValuePair<string, object?>("class", $"{i + 1}xx"));
        }
    }

    /// <summary>This server's meter (a listener tells two servers in one process apart by it).</summary>
    public Meter Meter => _meter;

    public void Dispose() => _meter.Dispose();
}
