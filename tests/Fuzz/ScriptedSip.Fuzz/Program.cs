using ScriptedSip.Fuzz;
using SharpFuzz;

// Usage: ScriptedSip.Fuzz TARGET                      (under afl-fuzz: reads each input from stdin, persistent)
//        ScriptedSip.Fuzz TARGET FILE...              (replays inputs once; an exception is the crash)
//        ScriptedSip.Fuzz --seeds TARGET REPO_ROOT DIR (writes the seed corpus of TARGET into DIR)
if (args.Length == 4 && args[0] == "--seeds")
{
    Directory.CreateDirectory(args[3]);
    var n = 0;
    foreach (var seed in FuzzCorpus.Seeds(args[1], args[2]))
    {
        File.WriteAllBytes(Path.Combine(args[3], $"seed{n++:D4}"), seed);
    }

    Console.WriteLine($"{n} seeds for {args[1]}");
    return 0;
}

if (args.Length == 0 || !FuzzTargets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: ScriptedSip.Fuzz TARGET [FILE...]; targets: {string.Join(", ", FuzzTargets.All.Keys)}");
    return 2;
}

if (args.Length > 1)
{
    foreach (var file in args.Skip(1))
    {
        target(File.ReadAllBytes(file));
    }

    return 0;
}

Fuzzer.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    target(buffer.ToArray());
});
return 0;
