using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Timers;
using ScriptedSip.Core.Transport;
using ScriptedSip.Core.Transport.ServerLocation;

namespace ScriptedSip.Core.Transactions;

/// <summary>
/// Out-of-dialog requests the server sends on its own behalf (a plugin's OPTIONS health probes):
/// a minimal non-INVITE client transaction per request — sent, retransmitted over UDP with T1
/// doubling up to T2 (RFC 3261 §17.1.2.2), completed by its final reply or by the caller's timeout.
/// Replies are recognised by our own branch prefix before the reply routes, so neither the probe
/// nor its answer ever reaches a script. Waiting costs a pending entry and two wheel timers, no thread.
/// </summary>
public sealed class LocalRequests
{
    /// <summary>Every branch we give a local request starts with this ('l' is no hex digit, so it never matches a proxied branch).</summary>
    private static readonly byte[] BranchPrefix = "z9hG4bKlr."u8.ToArray();

    // A DNS lookup ends long before this (Dns:TimeoutMs); it only keeps WaitAsync within its range.
    private static readonly TimeSpan MaxLookupWait = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<long, Pending> _pending = new();
    private readonly MessageServices _messages;
    private readonly TimerWheel _wheel;
    private readonly TransactionOptions _options;
    private readonly uint _secret;
    private long _next;

    public LocalRequests(MessageServices messages, TimerWheel wheel, TransactionOptions options, uint secret)
    {
        _messages = messages;
        _wheel = wheel;
        _options = options;
        _secret = secret;
    }

    /// <summary>Requests waiting for their final reply now.</summary>
    public int PendingCount => _pending.Count;

    /// <summary>See <c>ISipHost.SendRequestAsync</c>: the final status, 408 on timeout, 503 when it cannot be sent.</summary>
    public Task<int> SendAsync(string method, string uri, string from, string? extraHeaders, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        ArgumentException.ThrowIfNullOrWhiteSpace(uri);
        ArgumentException.ThrowIfNullOrWhiteSpace(from);
        if (method.AsSpan().IndexOfAny(" \r\n") >= 0 || uri.AsSpan().IndexOfAny(" \r\n<>") >= 0 || from.AsSpan().IndexOfAny("\r\n<>") >= 0)
        {
            throw new ArgumentException("the method, URI and From must be single tokens without line breaks or angle brackets");
        }

        if (_messages.Transports.All.Count == 0)
        {
            throw new InvalidOperationException("the server listens on nothing yet: no request can be sent");
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<int>(cancellationToken); // nothing sent, no timer left behind
        }

        var lookup = _messages.Destinations.Locate(Encoding.UTF8.GetBytes(uri));
        return lookup.Status switch
        {
            DestinationStatus.Resolved => Send(method, uri, from, extraHeaders, lookup.Targets[0].EndPoint, timeout, cancellationToken),
            DestinationStatus.Pending => SendWhenLocatedAsync(lookup, method, uri, from, extraHeaders, timeout, cancellationToken),
            _ => Task.FromResult(503),
        };
    }

    /// <summary>
    /// A name not cached yet: the request goes out once the lookup answers (it never waits on the
    /// caller's thread). The lookup counts against the request's timeout: 408 when it takes it all.
    /// </summary>
    private async Task<int> SendWhenLocatedAsync(DestinationLookup lookup, string method, string uri, string from, string? extraHeaders, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = _wheel.Time.GetTimestamp();
        LocatedServers answer;
        try
        {
            var wait = timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout > MaxLookupWait ? MaxLookupWait : timeout;
            answer = await lookup.Pending!.WaitAsync(wait, _wheel.Time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return 408; // a cancellation ends the task as cancelled, as it does once the request is sent
        }

        var located = _messages.Destinations.Answer(lookup.Hop, answer);
        if (located.Status != DestinationStatus.Resolved)
        {
            return 503;
        }

        var left = timeout - _wheel.Time.GetElapsedTime(started);
        return left <= TimeSpan.Zero
            ? 408
            : await Send(method, uri, from, extraHeaders, located.Targets[0].EndPoint, left, cancellationToken).ConfigureAwait(false);
    }

    private Task<int> Send(string method, string uri, string from, string? extraHeaders, IPEndPoint endpoint, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var transport = _messages.Transports.For(endpoint.AddressFamily, SipProtocol.Udp, null);
        if (transport is null)
        {
            return Task.FromResult(503);
        }

        var id = Interlocked.Increment(ref _next);
        var request = Write(method, uri, from, extraHeaders, transport.Local.HostPort, id);
        var pending = new Pending(this, id, request, endpoint.Serialize(), transport);
        _pending[id] = pending;
        if (cancellationToken.CanBeCanceled)
        {
            pending.Cancellation = cancellationToken.Register(static p => ((Pending)p!).Cancel(), pending);
        }

        pending.RetransmitMs = _options.T1Ms;
        pending.Timeout = _wheel.Schedule(timeout, static p => ((Pending)p!).Complete(408), pending);
        pending.Retransmit = _wheel.Schedule(TimeSpan.FromMilliseconds(_options.T1Ms), static p => ((Pending)p!).OnRetransmit(), pending);
        transport.Send(request, pending.Destination);
        return pending.Result.Task;
    }

    /// <summary>
    /// True when <paramref name="reply"/> answers a local request (our branch prefix): a final status
    /// completes it; a provisional, a late or duplicate reply is consumed without effect.
    /// </summary>
    public bool TryComplete(SipMessage reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var branch = reply.Span(reply.TopVia.Branch);
        if (!branch.StartsWith(BranchPrefix))
        {
            return false;
        }

        var rest = branch[BranchPrefix.Length..];
        var dot = rest.IndexOf((byte)'.');
        if (dot > 0
            && long.TryParse(rest[..dot], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var id)
            && uint.TryParse(rest[(dot + 1)..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var secret)
            && secret == _secret
            && reply.StatusCode >= 200
            && _pending.TryGetValue(id, out var pending))
        {
            pending.Complete(reply.StatusCode);
        }

        return true;
    }

    private byte[] Write(string method, string uri, string from, string? extraHeaders, string hostPort, long id)
    {
        var text = new StringBuilder(384);
        text.Append(CultureInfo.InvariantCulture, $"{method} {uri} SIP/2.0\r\n");
        text.Append(CultureInfo.InvariantCulture, $"Via: SIP/2.0/UDP {hostPort};branch=z9hG4bKlr.{id:x}.{_secret:x};rport\r\n");
        text.Append("Max-Forwards: 70\r\n");
        text.Append(CultureInfo.InvariantCulture, $"From: <{from}>;tag={_secret:x}{id:x}\r\n");
        text.Append(CultureInfo.InvariantCulture, $"To: <{uri}>\r\n");
        text.Append(CultureInfo.InvariantCulture, $"Call-ID: lr{id:x}.{_secret:x}@{hostPort}\r\n");
        text.Append(CultureInfo.InvariantCulture, $"CSeq: 1 {method}\r\n");
        if (!string.IsNullOrWhiteSpace(extraHeaders))
        {
            foreach (var line in extraHeaders.Split(["\r\n", "\n"], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                text.Append(line).Append("\r\n");
            }
        }

        text.Append("Content-Length: 0\r\n\r\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private sealed class Pending(LocalRequests owner, long id, byte[] request, SocketAddress destination, ISipTransport transport)
    {
        private int _done;

        public TaskCompletionSource<int> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public SocketAddress Destination => destination;

        public TimerHandle? Timeout { get; set; }

        public TimerHandle? Retransmit { get; set; }

        public int RetransmitMs { get; set; }

        public CancellationTokenRegistration Cancellation { get; set; }

        public void OnRetransmit()
        {
            if (Volatile.Read(ref _done) != 0)
            {
                return;
            }

            transport.Send(request, destination);
            RetransmitMs = Math.Min(RetransmitMs * 2, Math.Max(owner._options.T1Ms, 4000));
            Retransmit = owner._wheel.Schedule(TimeSpan.FromMilliseconds(RetransmitMs), static p => ((Pending)p!).OnRetransmit(), this);
        }

        public void Complete(int status)
        {
            if (Finish())
            {
                Result.TrySetResult(status);
            }
        }

        public void Cancel()
        {
            if (Finish())
            {
                Result.TrySetCanceled();
            }
        }

        private bool Finish()
        {
            if (Interlocked.Exchange(ref _done, 1) != 0)
            {
                return false;
            }

            owner._pending.TryRemove(id, out _);
            if (Timeout is { } timeout)
            {
                owner._wheel.Cancel(timeout);
            }

            if (Retransmit is { } retransmit)
            {
                owner._wheel.Cancel(retransmit);
            }

            Cancellation.Dispose();
            return true;
        }
    }
}
