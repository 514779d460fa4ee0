using System.Net;
using Microsoft.Extensions.Logging;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Routing;
using ScriptedSip.Core.Scheduling;
using ScriptedSip.Core.Stats;
using ScriptedSip.Core.Timers;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.Core.Transactions;

/// <summary>
/// Kamailio's tm in C#: server and client transactions over UDP (RFC 3261 §17), the stateful
/// proxy behaviour (§16), and suspend/resume. State lives in <see cref="SipTransaction"/> cells in
/// the <see cref="TransactionTable"/>; every timer is an entry of one <see cref="TimerWheel"/>.
/// It works on <see cref="InboundMessage"/> and sends through <see cref="ISipTransport"/>; it runs
/// scripts only through <see cref="ITransactionRoutes"/>, always queued to the call's worker, so
/// the timer thread never runs a route.
/// </summary>
public sealed partial class TransactionLayer : IDisposable
{
    [ThreadStatic]
    private static SipMessage? t_scratchMessage;

    private readonly MessageServices _messages;
    private readonly IRouteProvider _routes;
    private readonly IWorkScheduler _scheduler;
    private readonly SipCounters _counters;
    private readonly TransactionOptions _options;
    private readonly ILogger _logger;
    private ITransactionRoutes? _routeRunner;
    private int _suspendedNow;

    public TransactionLayer(
        MessageServices messages,
        IRouteProvider routes,
        IWorkScheduler scheduler,
        SipCounters counters,
        TransactionOptions options,
        TimerWheel wheel,
        ILogger logger)
    {
        _messages = messages;
        _routes = routes;
        _scheduler = scheduler;
        _counters = counters;
        _options = options;
        Wheel = wheel;
        _logger = logger;
    }

    /// <summary>Connects the route runner (it needs this layer too, so it comes after construction).</summary>
    public void AttachRoutes(ITransactionRoutes routeRunner) => _routeRunner = routeRunner;

    private ITransactionRoutes RouteRunner => _routeRunner ?? throw new InvalidOperationException("No route runner is attached to the transaction layer.");

    public TransactionTable Table { get; } = new();

    public TimerWheel Wheel { get; }

    /// <summary>Transactions suspended or awaiting now.</summary>
    public int SuspendedNow => Volatile.Read(ref _suspendedNow);

    private TimeSpan T1 => TimeSpan.FromMilliseconds(_options.T1Ms);

    /// <summary>How long a finished transaction lingers to absorb retransmissions (Kamailio's wt_timer).</summary>
    private TimeSpan WaitTime => TimeSpan.FromMilliseconds(_options.WaitMs);

    private TimeSpan T2 => TimeSpan.FromMilliseconds(Math.Max(_options.T1Ms, 4000));

    private SipCounters Counters => _counters;

    public void Dispose() => Wheel.Dispose();

    /// <summary>The transaction of the context's request, created if needed (t_newtran). Null for ACK or non-requests.</summary>
    public SipTransaction? Ensure(InboundMessage context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Transaction is { } existing)
        {
            return existing;
        }

        var message = context.Message;
        if (!message.IsRequest || message.Method == SipMethod.Ack)
        {
            return null;
        }

        var key = ServerKey.From(message);
        var source = Copy(context.Source);
        var replyTo = Copy(context.Source);
        if (!message.TopVia.HasRport)
        {
            SocketAddressText.SetPort(replyTo, message.TopVia.Port > 0 ? message.TopVia.Port : 5060);
        }

        var transaction = Table.GetOrAdd(key, message, source, replyTo, context.Transport, out var created);
        if (created)
        {
            transaction.Layer = this;
            Counters.Increment(SipCounter.TransactionsCreated);
        }

        context.AttachTransaction(transaction);
        return transaction;
    }

    /// <summary>t_reply: a reply from the script, sent statefully (re-sent on retransmissions).</summary>
    public bool Reply(InboundMessage context, int code, string reason)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.IsStale)
        {
            TransactionLog.StaleAction(_logger, context.LogTag, "TReply");
            return false;
        }

        var transaction = Ensure(context);
        if (transaction is null)
        {
            return false;
        }

        lock (transaction.Gate)
        {
            if (transaction.FinalSent)
            {
                TransactionLog.AlreadyFinal(_logger, context.LogTag, code);
                return false;
            }

            return SendLocalReplyLocked(transaction, context.Message, code, reason);
        }
    }

    /// <summary>t_check_trans: true when the request belongs to an existing transaction.</summary>
    public bool CheckTransaction(InboundMessage context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Message;
        return message.IsRequest && Table.Find(ServerKey.From(message)) is not null;
    }

    /// <summary>Graceful stop: every transaction without a final reply gets 503.</summary>
    public void Shutdown()
    {
        foreach (var transaction in Table.Snapshot())
        {
            lock (transaction.Gate)
            {
                if (transaction.FinalSent || transaction.State == ServerState.Terminated)
                {
                    continue;
                }

                EndSuspensionLocked(transaction);
                foreach (var branch in transaction.Branches)
                {
                    StopBranchTimers(branch);
                }

                WithRequest(transaction, request => SendLocalReplyLocked(transaction, request, 503, "Service Unavailable"));
                Counters.Increment(SipCounter.ShutdownReplies);
            }
        }
    }

    /// <summary>Writes, remembers and sends a reply of our own to the transaction's request. Caller holds the gate.</summary>
    private bool SendLocalReplyLocked(SipTransaction transaction, SipMessage request, int code, string reason)
    {
        var buffer = OutputBuffer.Local;
        var length = _messages.Replier.Write(request, transaction.Source, code, reason, default, buffer);
        if (length < 0)
        {
            return false;
        }

        return SendUpstreamLocked(transaction, buffer.AsSpan(0, length).ToArray(), code);
    }

    /// <summary>Sends a reply upstream, keeps it (the array itself, no copy) for retransmissions, and moves the server side on when it is final.</summary>
    private bool SendUpstreamLocked(SipTransaction transaction, byte[] reply, int code)
    {
        if (transaction.State == ServerState.Terminated)
        {
            return false;
        }

        transaction.LastReply = reply;
        transaction.LastStatus = Math.Max(transaction.LastStatus, code);
        var sent = transaction.Transport.Send(reply, transaction.ReplyTo);
        Counters.ReplySent(code, sent);
        if (code >= 200)
        {
            OnFinalSentLocked(transaction, code);
        }

        return sent;
    }

    private void OnFinalSentLocked(SipTransaction transaction, int code)
    {
        EndSuspensionLocked(transaction);
        Cancel(transaction.ServerTimer);
        if (transaction.IsInvite && code >= 300)
        {
            // Timer G re-sends the final reply until the ACK comes; Timer H gives up after 64*T1.
            transaction.State = ServerState.Completed;
            transaction.ReplyRetransmitMs = _options.T1Ms;
            transaction.CompletedAt = Wheel.Time.GetTimestamp();
            transaction.ServerTimer = Wheel.Schedule(T1, static s => ((SipTransaction)s!).Layer!.OnTimerG((SipTransaction)s!), transaction);
        }
        else
        {
            transaction.State = ServerState.Accepted;
            ScheduleDelete(transaction, WaitTime);
        }
    }

    private void OnTimerG(SipTransaction transaction)
    {
        lock (transaction.Gate)
        {
            if (transaction.State != ServerState.Completed)
            {
                return;
            }

            if (Wheel.Time.GetElapsedTime(transaction.CompletedAt) >= 64 * T1)
            {
                DeleteLocked(transaction); // Timer H: the ACK never came
                return;
            }

            if (transaction.LastReply is { } reply)
            {
                transaction.Transport.Send(reply, transaction.ReplyTo);
            }

            transaction.ReplyRetransmitMs = Math.Min(transaction.ReplyRetransmitMs * 2, (int)T2.TotalMilliseconds);
            transaction.ServerTimer = Wheel.Schedule(TimeSpan.FromMilliseconds(transaction.ReplyRetransmitMs), static s => ((SipTransaction)s!).Layer!.OnTimerG((SipTransaction)s!), transaction);
        }
    }

    private void ScheduleDelete(SipTransaction transaction, TimeSpan after)
    {
        Cancel(transaction.ServerTimer);
        transaction.ServerTimer = Wheel.Schedule(after, static s => ((SipTransaction)s!).Layer!.Delete((SipTransaction)s!), transaction);
    }

    private void Delete(SipTransaction transaction)
    {
        lock (transaction.Gate)
        {
            DeleteLocked(transaction);
        }
    }

    private void DeleteLocked(SipTransaction transaction)
    {
        if (transaction.State == ServerState.Terminated)
        {
            return;
        }

        transaction.State = ServerState.Terminated;
        EndSuspensionLocked(transaction);
        Cancel(transaction.ServerTimer);
        foreach (var branch in transaction.Branches)
        {
            StopBranchTimers(branch);
        }

        Table.Remove(transaction);
    }

    /// <summary>Leaves the suspended/awaiting state (if in it), keeping the counters right.</summary>
    private void EndSuspensionLocked(SipTransaction transaction)
    {
        if (transaction.Suspension != SuspendState.None)
        {
            transaction.Suspension = SuspendState.None;
            Interlocked.Decrement(ref _suspendedNow);
        }

        Cancel(transaction.SuspendTimer);
        transaction.SuspendTimer = null;
    }

    private void Cancel(TimerHandle? handle)
    {
        if (handle is not null)
        {
            Wheel.Cancel(handle);
        }
    }

    /// <summary>Runs an action with the transaction's request parsed into this thread's scratch message.</summary>
    private static void WithRequest(SipTransaction transaction, Action<SipMessage> action)
    {
        var message = t_scratchMessage ??= new SipMessage();
        if (message.Parse(transaction.Request) == SipParseStatus.Ok)
        {
            action(message);
        }
    }

    private static SocketAddress Copy(SocketAddress source)
    {
        var copy = new SocketAddress(source.Family, source.Size);
        source.Buffer.Span[..source.Size].CopyTo(copy.Buffer.Span);
        return copy;
    }
}
