using System.Text.Json;

namespace ScriptedSip.Ctl;

/// <summary>
/// A result for a human: an object as aligned <c>name  value</c> lines, a list of objects as a table
/// with a header, a list of scalars one per line. <c>--json</c> prints the JSON instead.
/// </summary>
internal static class OutputFormatter
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Format(JsonElement result, bool json)
    {
        if (json)
        {
            return JsonSerializer.Serialize(result, Indented);
        }

        return result.ValueKind switch
        {
            JsonValueKind.Object => Pairs(result),
            JsonValueKind.Array when result.GetArrayLength() == 0 => "(none)",
            JsonValueKind.Array when result.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Object) => Table([.. result.EnumerateArray()]),
            JsonValueKind.Array => string.Join('\n', result.EnumerateArray().Select(Scalar)),
            _ => Scalar(result),
        };
    }

    private static string Pairs(JsonElement result)
    {
        var pairs = result.EnumerateObject().Select(p => (p.Name, Value: Scalar(p.Value))).ToList();
        if (pairs.Count == 0)
        {
            return "(none)";
        }

        var width = pairs.Max(p => p.Name.Length);
        return string.Join('\n', pairs.Select(p => p.Name.PadRight(width) + "  " + p.Value));
    }

    private static string Table(List<JsonElement> rows)
    {
        var columns = rows.SelectMany(r => r.EnumerateObject().Select(p => p.Name)).Distinct().ToList();
        var cells = rows.Select(r => columns.Select(c => r.TryGetProperty(c, out var v) ? Scalar(v) : string.Empty).ToList()).ToList();
        var widths = columns.Select((c, i) => Math.Max(c.Length, cells.Max(row => row[i].Length))).ToList();
        var lines = new List<string> { string.Join("  ", columns.Select((c, i) => c.ToUpperInvariant().PadRight(widths[i]))).TrimEnd() };
        lines.AddRange(cells.Select(row => string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd()));
        return string.Join('\n', lines);
    }

    private static string Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Null => "-",
        JsonValueKind.Array => string.Join(", ", value.EnumerateArray().Select(Scalar)),
        _ => value.GetRawText(),
    };
}
