using System.Buffers;
using System.Net.Sockets;
using ScriptedSip.Core.Scheduling;

namespace ScriptedSip.Core.Transport.Streams;

/// <summary>
/// The receiving half of a plain-TCP connection read by its listener's read thread
/// (<see cref="StreamReadPoller"/>): one non-blocking read per readiness, framed in the thread's
/// buffer. Between reads an idle connection holds nothing; only the bytes of a message that has
/// not ended yet are kept, in a pooled array.
/// </summary>
public sealed partial class StreamConnection
{
    private const int Idle = 0;
    private const int Reading = 1;
    private const int Parked = 2;

    private byte[]? _kept;
    private int _keptLength;
    private int _readState;

    /// <summary>The read thread that reads (or connects) this connection; null: read asynchronously.</summary>
    internal StreamReadPoller? Poller { get; set; }

    /// <summary>The connection's key in its read thread (0: read asynchronously).</summary>
    internal long PollToken { get; set; }

    /// <summary>
    /// The socket is readable (or hung up), or kept bytes wait: reads once into
    /// <paramref name="buffer"/> after the kept bytes, frames, and delivers each message in order —
    /// inline when its worker is idle, queued otherwise — and keeps the rest. The connection is
    /// free while a turn runs (what follows the message is kept first): should the turn block,
    /// the thread that takes over reading reads this connection too.
    /// </summary>
    internal void ReadReady(byte[] buffer, IInlineGuard guard, StreamReadPoller poller)
    {
        if (Interlocked.CompareExchange(ref _readState, Reading, Idle) != Idle)
        {
            Park(poller);
            return;
        }

        var released = false;
        try
        {
            released = ReadAndDeliver(buffer, guard, poller);
        }
        finally
        {
            if (!released)
            {
                Release(poller);
            }
        }
    }

    /// <summary>True when it left the connection released (a turn ran and another thread reads now).</summary>
    private bool ReadAndDeliver(byte[] buffer, IInlineGuard guard, StreamReadPoller poller)
    {
        var start = TakeKept(buffer);
        if (!IsOpen)
        {
            return false;
        }

        int read;
        SocketError error;
        try
        {
            read = _socket.Receive(buffer.AsSpan(start), SocketFlags.None, out error);
        }
        catch (ObjectDisposedException)
        {
            return false; // closed by another thread (idle sweep, shutdown) meanwhile
        }

        var ended = error == SocketError.Success && read == 0;
        if (error == SocketError.WouldBlock)
        {
            if (start == 0)
            {
                return false; // nothing arrived and nothing kept
            }

            read = 0; // woken for kept bytes (Retry)
        }
        else if (error != SocketError.Success)
        {
            Close(CloseReason.Reset, new SocketException((int)error).Message);
            return false;
        }

        var now = _time.GetTimestamp();
        if (read > 0)
        {
            Volatile.Write(ref _lastActivity, now);
        }

        var data = new ReadOnlySequence<byte>(buffer, 0, start + read);
        while (true)
        {
            var step = Step(ref data, out var message);
            if (step == StepResult.NeedMore)
            {
                break;
            }

            if (step == StepResult.Closed)
            {
                StopPolling(); // bad framing: nothing more is read; the 400 leaves, then it closes
                return false;
            }

            if (message is null)
            {
                continue;
            }

            if (!guard.IsCurrent)
            {
                _listener.Delivery.Dispatch(message);
                continue;
            }

            // The connection is free during the turn; taken back after it unless reading moved on.
            // Kept bytes (maybe whole messages no new byte will announce) are handed to the thread
            // that takes over should the turn block.
            Keep(data.FirstSpan);
            MarkPartial(data.IsEmpty, now);
            var handsOver = !data.IsEmpty;
            if (handsOver)
            {
                poller.LetGoForTurn(this);
            }

            Release(poller);
            _listener.Delivery.DeliverInline(message, guard);
            var stillWaiting = handsOver && poller.TakeBack(this);
            if (!guard.IsCurrent || Interlocked.CompareExchange(ref _readState, Reading, Idle) != Idle)
            {
                if (stillWaiting)
                {
                    poller.Retry(this); // the new thread started before the hand-over was set: tell it now
                }

                return true;
            }

            data = new ReadOnlySequence<byte>(buffer, 0, TakeKept(buffer));
        }

        Keep(data.FirstSpan);
        MarkPartial(data.IsEmpty, now);
        if (ended)
        {
            if (data.IsEmpty)
            {
                Close(CloseReason.Eof, "closed by the peer");
            }
            else
            {
                Close(CloseReason.Truncated, $"closed by the peer inside a message ({data.Length} bytes of it received)");
            }
        }

        return false;
    }

    private void Release(StreamReadPoller poller)
    {
        if (Interlocked.Exchange(ref _readState, Idle) == Parked)
        {
            Unpark(poller);
        }
    }

    /// <summary>
    /// The new read thread meets a connection still being delivered by the thread it replaced: its
    /// events are paused first, then the state says so; the delivering thread resumes them when done.
    /// (In the other order a resume could come before the pause and leave the connection unread.)
    /// </summary>
    private void Park(StreamReadPoller poller)
    {
        // A socket closed meanwhile is skipped: nothing to read.
        SocketHandles.Use(_socket, fd => poller.Pause(this, fd));
        if (Interlocked.CompareExchange(ref _readState, Parked, Reading) != Reading)
        {
            SocketHandles.Use(_socket, fd => poller.Resume(this, fd)); // the delivery ended meanwhile
        }
    }

    private void Unpark(StreamReadPoller poller)
    {
        SocketHandles.Use(_socket, fd => poller.Resume(this, fd));
    }

    /// <summary>Stops reading a connection that is closing (before its socket closes) or that read bad framing.</summary>
    internal void StopPolling()
    {
        if (Poller is { } poller && PollToken != 0)
        {
            // Already closed: the kernel removed it from the set, and its number may be another socket's now.
            SocketHandles.Use(_socket, fd => poller.Remove(this, fd));
        }
    }

    /// <summary>Copies the kept bytes to the start of <paramref name="buffer"/> and returns their array to the pool.</summary>
    private int TakeKept(byte[] buffer)
    {
        var kept = _kept;
        if (kept is null)
        {
            return 0;
        }

        var length = _keptLength;
        kept.AsSpan(0, length).CopyTo(buffer);
        _kept = null;
        _keptLength = 0;
        ArrayPool<byte>.Shared.Return(kept);
        return length;
    }

    private void Keep(ReadOnlySpan<byte> rest)
    {
        if (rest.IsEmpty)
        {
            return;
        }

        var kept = ArrayPool<byte>.Shared.Rent(rest.Length);
        rest.CopyTo(kept);
        _kept = kept;
        _keptLength = rest.Length;
    }
}
