using BenchmarkDotNet.Running;

namespace ScriptedSip.Benchmarks;

public static class Program
{
    // Run e.g. `dotnet run -c Release -- --job short --filter *Parser*`.
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
