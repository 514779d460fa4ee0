using System.Diagnostics;
using System.Runtime.InteropServices;
using ScriptedSip.Core.Processing;

namespace ScriptedSip.Host.Management.Rpc;

/// <summary><c>core.*</c> and <c>corex.list_sockets</c>: what is running, since when, on which sockets.</summary>
internal static class CoreRpcMethods
{
    public static void AddTo(RpcMethodTable table, SipServer server, ProcessingServices services, DateTimeOffset started, TimeProvider time)
    {
        table.Add("core.version", "server version and .NET runtime", (_, _) => Result(new Dictionary<string, object?>
        {
            ["version"] = StartupBanner.Version,
            ["runtime"] = RuntimeInformation.FrameworkDescription,
            ["os"] = RuntimeInformation.OSDescription,
        }));

        table.Add("core.uptime", "start time and seconds since", (_, _) =>
        {
            var now = time.GetUtcNow();
            return Result(new Dictionary<string, object?>
            {
                ["now"] = now.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                ["up_since"] = started.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                ["uptime"] = (long)(now - started).TotalSeconds,
            });
        });

        table.Add("core.ps", "the process and its SIP threads (workers, receivers)", (_, _) =>
        {
            using var process = Process.GetCurrentProcess();
            var threads = new List<Dictionary<string, object?>>();
            for (var i = 0; i < services.Scheduler.WorkerCount; i++)
            {
                threads.Add(new() { ["name"] = $"sip-worker {i}", ["role"] = "runs routes of the calls hashed to it" });
            }

            foreach (var listener in server.Listeners)
            {
                for (var i = 0; i < listener.ReceiveThreads; i++)
                {
                    threads.Add(new() { ["name"] = $"sip-rx {listener.Endpoint}", ["role"] = "receives datagrams" });
                }
            }

            return Result(new Dictionary<string, object?>
            {
                ["pid"] = Environment.ProcessId,
                ["threads_total"] = process.Threads.Count,
                ["sip_threads"] = threads,
            });
        });

        table.Add("corex.list_sockets", "listen sockets (proto, address, port, advertised)", (_, _) => Result(
            server.Listeners.Select(l => new Dictionary<string, object?>
            {
                ["proto"] = "udp",
                ["address"] = l.LocalEndPoint.Address.ToString(),
                ["port"] = l.LocalEndPoint.Port,
                ["advertise"] = l.Endpoint.Advertised,
            }).ToList()));
    }

    internal static ValueTask<object?> Result(object? value) => ValueTask.FromResult(value);
}
