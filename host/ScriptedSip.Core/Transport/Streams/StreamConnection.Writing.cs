using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace ScriptedSip.Core.Transport.Streams;

/// <summary>The sending half of a connection: direct non-blocking sends, the output pipe and its write loop.</summary>
public sealed partial class StreamConnection
{
    /// <summary>Queues bytes for the peer; false when the connection is closed or its peer stopped reading (then it is closed).</summary>
    internal bool Write(ReadOnlySpan<byte> bytes)
    {
        var full = false;
        SocketError? failure = null;
        lock (_writeGate)
        {
            if (!IsOpen || _writerCompleted)
            {
                return false;
            }

            if (_pendingFlush is { IsCompleted: false })
            {
                full = true;
            }
            else
            {
                if (_sendDirect && _queued == 0)
                {
                    int sent;
                    SocketError error;
                    try
                    {
                        sent = _socket.Send(bytes, SocketFlags.None, out error);
                    }
                    catch (ObjectDisposedException)
                    {
                        return false; // closed by another thread between the check above and the send
                    }

                    if (error is not (SocketError.Success or SocketError.WouldBlock))
                    {
                        failure = error;
                    }
                    else if (sent == bytes.Length)
                    {
                        Volatile.Write(ref _lastActivity, _time.GetTimestamp());
                        return true;
                    }
                    else
                    {
                        bytes = bytes[Math.Max(sent, 0)..]; // the kernel's buffer is full: the rest waits in the pipe
                    }
                }

                if (failure is null)
                {
                    Queue(bytes);
                }
            }
        }

        if (failure is { } socketError)
        {
            Close(CloseReason.Reset, new SocketException((int)socketError).Message);
            return false;
        }

        if (full)
        {
            Close(CloseReason.SendQueueFull, $"the peer stopped reading ({QueueLimit} bytes queued)");
            return false;
        }

        Volatile.Write(ref _lastActivity, _time.GetTimestamp());
        return true;
    }

    /// <summary>Appends to the output pipe (under the write gate).</summary>
    private void Queue(ReadOnlySpan<byte> bytes)
    {
        _queued += bytes.Length;
        _output.Writer.Write(bytes);
        var flush = _output.Writer.FlushAsync();
        _pendingFlush = flush.IsCompleted ? null : flush.AsTask();
        if (flush.IsCompleted)
        {
            _ = flush.Result;
        }
    }

    /// <summary>Lets what is queued (the 400) reach the peer, then closes; bounded so a peer that does not read cannot hold it.</summary>
    private void CloseAfterWrites(CloseReason reason, string detail)
    {
        Volatile.Write(ref _writesDone, () => Close(reason, detail));
        lock (_writeGate)
        {
            _writerCompleted = true;
            _output.Writer.Complete();
        }

        _ = Task.Delay(TimeSpan.FromSeconds(1), _time).ContinueWith(_ => Close(reason, detail), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    private async Task WriteLoopAsync(Stream stream)
    {
        var reader = _output.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                foreach (var segment in result.Buffer)
                {
                    await stream.WriteAsync(segment).ConfigureAwait(false);
                    lock (_writeGate)
                    {
                        _queued -= segment.Length; // at 0, writes may go to the socket directly again
                    }
                }

                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }

            await stream.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            Close(CloseReason.Reset, ex.Message);
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
            Volatile.Read(ref _writesDone)?.Invoke();
        }
    }
}
