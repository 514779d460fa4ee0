using System.Net;
using System.Text;
using ScriptedSip.Core.Transport;

namespace ScriptedSip.IntegrationTests.Scheduling;

/// <summary>Picks Call-IDs that the server's scheduler gives to a chosen worker (the same hash the server uses).</summary>
internal static class CallWorkers
{
    private static readonly SocketAddress AnySource = new IPEndPoint(IPAddress.Loopback, 1).Serialize();

    public static int WorkerOf(string callId, int workers) =>
        (int)(CallIdHasher.Hash(Encoding.ASCII.GetBytes("X sip:x SIP/2.0\r\nCall-ID: " + callId + "\r\n\r\n"), AnySource) % (uint)workers);

    /// <summary>A fresh Call-ID owned by <paramref name="worker"/>.</summary>
    public static string CallIdFor(int worker, int workers, string prefix)
    {
        while (true)
        {
            var callId = prefix + "-" + Guid.NewGuid().ToString("N");
            if (WorkerOf(callId, workers) == worker)
            {
                return callId;
            }
        }
    }
}
