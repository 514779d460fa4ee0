using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using ScriptedSip.Sdk.Plugins;

namespace ScriptedSip.Plugins.Registrar;

/// <summary>
/// Keeps the NAT pinholes of registered user agents open (Kamailio's nathelper natping): every
/// <c>NatPingIntervalSeconds</c> each UDP binding flagged <see cref="Binding.Nated"/> gets an OPTIONS
/// request or a CRLF datagram at the address its REGISTER came from. The pings of one interval are
/// spread over its seconds — the NATed bindings are listed at the start of each interval and a
/// share of them is pinged every second — so a large table never sends a burst. An OPTIONS answered
/// with any final reply (404, 405 …) proves the contact alive; <c>NatPingFailures</c> unanswered in a
/// row remove the binding when <c>RemoveOnNatPingFailure</c> is set. Runs on the host's clock.
/// </summary>
internal sealed partial class NatPinger : IPluginService, IDisposable
{
    /// <summary>Two CRLFs: the keep-alive Kamailio's nathelper sends; a SIP server ignores it between messages.</summary>
    private static ReadOnlySpan<byte> Crlf => "\r\n\r\n"u8;

    private readonly LocationService _location;
    private readonly RegistrarOptions _options;
    private readonly ISipHost _host;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _waiting = new(StringComparer.Ordinal);
    private List<Binding> _round = [];
    private int _next;
    private long _tick;
    private long _sent;
    private long _failed;
    private long _removed;
    private IdleTimer? _timer;
    private Meter? _meter;

    public NatPinger(LocationService location, RegistrarOptions options, ISipHost host, TimeProvider time, ILogger logger)
    {
        _location = location;
        _options = options;
        _host = host;
        _time = time;
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Counted like the server's own instruments: observable, in the meter named ScriptedSip.
        _meter = new Meter("ScriptedSip", typeof(NatPinger).Assembly.GetName().Version?.ToString());
        _meter.CreateObservableCounter("natping.sent", () => Interlocked.Read(ref _sent), "{ping}", "NAT keep-alive pings sent (OPTIONS or CRLF)");
        _meter.CreateObservableCounter("natping.failed", () => Interlocked.Read(ref _failed), "{ping}", "OPTIONS keep-alive pings left without a reply");
        _meter.CreateObservableCounter("natping.removed", () => Interlocked.Read(ref _removed), "{contact}", "NATed contacts removed after NatPingFailures unanswered pings in a row");
        var second = TimeSpan.FromSeconds(1);
        // Sleeps while nobody is registered (an idle server is not woken); a stored binding wakes it.
        _timer = new IdleTimer(_time, second, Tick, HasWork);
        _location.Changed += _timer.Wake;
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_timer is not null)
        {
            _location.Changed -= _timer.Wake;
        }

        _timer?.Dispose();
        _timer = null;
        await _stop.CancelAsync().ConfigureAwait(false);
        _meter?.Dispose();
        _meter = null;
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _meter?.Dispose();
        _stop.Dispose();
    }

    private bool HasWork()
    {
        lock (_gate)
        {
            if (_next < _round.Count)
            {
                return true; // a round in progress
            }
        }

        return _location.AorCount > 0;
    }

    /// <summary>One second: at an interval's start the NATed bindings are listed; each second pings its share of what is left.</summary>
    internal void Tick()
    {
        List<Binding> batch;
        lock (_gate)
        {
            var interval = _options.NatPingIntervalSeconds;
            var second = (int)(_tick % interval);
            if (second == 0)
            {
                _round = [.. _location.All().Where(b => b.Nated && IsUdp(b.Received))];
                _next = 0;
                ForgetGone(_round);
            }

            var left = _round.Count - _next;
            var count = (left + (interval - second) - 1) / (interval - second);
            batch = _round.GetRange(_next, count);
            _next += count;
            _tick++;
        }

        foreach (var binding in batch)
        {
            Ping(binding);
        }
    }

    private void Ping(Binding binding)
    {
        var uri = binding.Received!;
        try
        {
            if (!_options.PingWithOptions)
            {
                if (_host.SendDatagram(uri, Crlf))
                {
                    Interlocked.Increment(ref _sent);
                }

                return;
            }

            var key = Key(binding);
            if (_waiting.TryAdd(key, 0))
            {
                _ = PingWithOptionsAsync(binding, key, uri);
            }
        }
        catch (InvalidOperationException)
        {
            // The server listens on nothing yet (starting): nothing was sent, nothing counts.
        }
    }

    private async Task PingWithOptionsAsync(Binding binding, string key, string uri)
    {
        var status = 0;
        try
        {
            var reply = _host.SendRequestAsync("OPTIONS", uri, _options.NatPingFrom, null, TimeSpan.FromMilliseconds(_options.NatPingTimeoutMs), _stop.Token);
            Interlocked.Increment(ref _sent);
            status = await reply.ConfigureAwait(false);
            if (status == 408)
            {
                Interlocked.Increment(ref _failed);
                Failed(binding, key, uri);
            }
            else
            {
                _failures.TryRemove(key, out _); // any final reply, even 404 or 405: someone is there
            }
        }
        catch (OperationCanceledException)
        {
            return; // stopping
        }
        catch (InvalidOperationException)
        {
            return; // the server is not listening yet: nothing was sent
        }
#pragma warning disable CA1031 // one ping failing in an unexpected way must not end the pinging of the others
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogPingError(_logger, uri, ex);
        }
        finally
        {
            _waiting.TryRemove(key, out _);
        }

        // After the waiting mark is gone: once this line is written the contact can be pinged again.
        LogPinged(_logger, binding.Aor, uri, status);
    }

    private void Failed(Binding binding, string key, string uri)
    {
        var failures = _failures.AddOrUpdate(key, 1, (_, n) => n + 1);
        if (failures < _options.NatPingFailures || !_options.RemoveOnNatPingFailure)
        {
            return;
        }

        _failures.TryRemove(key, out _);
        if (_location.RemoveIfUnchanged(binding))
        {
            Interlocked.Increment(ref _removed);
            LogRemoved(_logger, binding.Aor, binding.Contact, failures, uri);
        }
    }

    /// <summary>Failure counts of bindings no longer in the table (expired, refreshed, removed) are dropped.</summary>
    private void ForgetGone(List<Binding> round)
    {
        if (_failures.IsEmpty)
        {
            return;
        }

        var live = round.Select(Key).ToHashSet(StringComparer.Ordinal);
        foreach (var key in _failures.Keys)
        {
            if (!live.Contains(key))
            {
                _failures.TryRemove(key, out _);
            }
        }
    }

    /// <summary>One registration of one contact: a refreshing REGISTER (new CSeq) starts its failure count afresh.</summary>
    private static string Key(Binding b) => $"{b.Aor}|{b.Contact}|{b.CallId}|{b.CSeq}";

    /// <summary>Only datagram pinholes are pinged: a TCP or TLS user agent keeps its own connection alive (RFC 5626 CRLF keep-alives).</summary>
    private static bool IsUdp(string? received) => received is not null && received.EndsWith(";transport=udp", StringComparison.OrdinalIgnoreCase);

    [LoggerMessage(EventId = 7110, Level = LogLevel.Debug, Message = "NAT ping of {Aor} at {Uri}: {Status}")]
    private static partial void LogPinged(ILogger logger, string aor, string uri, int status);

    [LoggerMessage(EventId = 7111, Level = LogLevel.Warning, Message = "NAT ping: contact {Contact} of {Aor} removed: {Failures} OPTIONS pings to {Uri} in a row got no reply")]
    private static partial void LogRemoved(ILogger logger, string aor, string contact, int failures, string uri);

    [LoggerMessage(EventId = 7112, Level = LogLevel.Error, Message = "NAT ping of {Uri} failed unexpectedly")]
    private static partial void LogPingError(ILogger logger, string uri, Exception exception);
}
