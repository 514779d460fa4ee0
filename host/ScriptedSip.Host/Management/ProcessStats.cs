using System.Diagnostics;
using System.Globalization;
using Prometheus;

namespace ScriptedSip.Host.Management;

/// <summary>
/// The process and .NET runtime metrics of a scrape, under the names Prometheus' client libraries
/// use (<c>process_cpu_seconds_total</c>, <c>process_resident_memory_bytes</c>,
/// <c>dotnet_collection_count_total</c> …), read once per scrape from one <c>/proc/self/stat</c> read
/// and the GC's counters.
/// <para>
/// Why not prometheus-net's <c>DotNetStats</c>: it reads them through <see cref="Process"/>, whose
/// thread count walks <c>/proc/self/task/*</c> and whose handle count stats every entry of
/// <c>/proc/self/fd</c> — measured at several milliseconds of CPU per scrape on a server with a
/// few hundred sockets, most of the endpoint's cost.
/// </para>
/// </summary>
internal sealed class ProcessStats
{
    private const string StatPath = "/proc/self/stat";
    private static readonly long PageSize = Environment.SystemPageSize;
    private readonly Gauge _threads;
    private readonly Gauge _virtualBytes;
    private readonly Gauge _residentBytes;
    private readonly Counter _cpuSeconds;
    private readonly Counter _collections;
    private readonly Gauge _heapBytes;
    private readonly Counter _allocatedBytes;
    private readonly byte[] _buffer = new byte[1024];

    public ProcessStats(CollectorRegistry registry, MetricFactory factory)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(factory);
        using (var self = Process.GetCurrentProcess())
        {
            // Once: the start time does not change.
            factory.CreateGauge("process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds")
                .Set(new DateTimeOffset(self.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0);
        }

        _cpuSeconds = factory.CreateCounter("process_cpu_seconds_total", "User and system CPU time of the process, in seconds");
        _threads = factory.CreateGauge("process_num_threads", "Threads of the process");
        _virtualBytes = factory.CreateGauge("process_virtual_memory_bytes", "Virtual memory size, in bytes");
        _residentBytes = factory.CreateGauge("process_resident_memory_bytes", "Resident memory size, in bytes");
        _collections = factory.CreateCounter("dotnet_collection_count_total", "Garbage collections since the process started, by generation", "generation");
        _heapBytes = factory.CreateGauge("dotnet_total_memory_bytes", "Bytes the managed heap holds now (GC.GetTotalMemory)");
        _allocatedBytes = factory.CreateCounter("dotnet_allocated_bytes_total", "Bytes allocated on the managed heap since the process started");
        registry.AddBeforeCollectCallback(Update);
    }

    private void Update()
    {
        _cpuSeconds.IncTo(Environment.CpuUsage.TotalTime.TotalSeconds);
        for (var generation = 0; generation <= GC.MaxGeneration; generation++)
        {
            _collections.WithLabels(Generations[generation]).IncTo(GC.CollectionCount(generation));
        }

        _heapBytes.Set(GC.GetTotalMemory(forceFullCollection: false));
        _allocatedBytes.IncTo(GC.GetTotalAllocatedBytes(precise: false));
        if (ReadStat() is { } stat)
        {
            _threads.Set(stat.Threads);
            _virtualBytes.Set(stat.VirtualBytes);
            _residentBytes.Set(stat.ResidentPages * PageSize);
        }
    }

    private static readonly string[] Generations = ["0", "1", "2", "3", "4"];

    /// <summary>Fields 20 (num_threads), 23 (vsize) and 24 (rss, pages) of proc(5)'s stat; null where there is no /proc.</summary>
    private (long Threads, long VirtualBytes, long ResidentPages)? ReadStat()
    {
        int length;
        try
        {
            using var file = File.OpenHandle(StatPath);
            length = RandomAccess.Read(file, _buffer, 0);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
        var text = _buffer.AsSpan(0, length);
        var close = text.LastIndexOf((byte)')');
        if (close < 0)
        {
            return null;
        }

        long threads = 0, vsize = 0, rss = 0;
        var field = 2;
        var rest = text[(close + 1)..].Trim((byte)' ');
        foreach (var range in rest.Split((byte)' '))
        {
            field++;
            var value = rest[range];
            switch (field)
            {
                case 20: threads = Parse(value); break;
                case 23: vsize = Parse(value); break;
                case 24: rss = Parse(value); return (threads, vsize, rss);
            }
        }

        return null;
    }

    private static long Parse(ReadOnlySpan<byte> digits) =>
        long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;
}
