using System.Collections.Immutable;

namespace ScriptedSip.Scripting;

/// <summary>The emitted assembly and PDB of one route script, plus assemblies it references by #r.</summary>
public sealed record RouteImage(byte[] Assembly, byte[] Pdb, ImmutableArray<string> ReferencedFiles);
