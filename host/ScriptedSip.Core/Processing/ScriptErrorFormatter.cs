using System.Diagnostics;

namespace ScriptedSip.Core.Processing;

/// <summary>Finds the script file and line an exception came from (the routes are emitted with PDBs).</summary>
public static class ScriptErrorFormatter
{
    public static string Location(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var e = exception; e is not null; e = e.InnerException)
        {
            var frames = new StackTrace(e, fNeedFileInfo: true).GetFrames();
            foreach (var frame in frames)
            {
                var file = frame.GetFileName();
                if (file is not null && file.EndsWith(".csx", StringComparison.OrdinalIgnoreCase))
                {
                    return $"{file}({frame.GetFileLineNumber()},{frame.GetFileColumnNumber()})";
                }
            }
        }

        return "(script location unknown)";
    }
}
