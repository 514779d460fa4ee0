using System.Globalization;
using System.Text.Json;

namespace ScriptedSip.Sdk.Plugins;

/// <summary>
/// Reads the <c>params</c> a plugin's RPC method receives (see <see cref="IPluginContext.AddRpcMethod"/>):
/// by position when they are an array, by name when they are an object, as JSON-RPC 2.0 allows. A
/// missing or mistyped parameter throws <see cref="ArgumentException"/> naming it, which the host
/// answers as a -32602 error.
/// </summary>
public static class RpcArguments
{
    /// <summary>The parameter at <paramref name="position"/> or named <paramref name="name"/>; null when absent or JSON null.</summary>
    public static JsonElement? Find(JsonElement? parameters, int position, string name)
    {
        JsonElement value = default;
        var found = parameters switch
        {
            { ValueKind: JsonValueKind.Array } array => position < array.GetArrayLength() && (value = array[position]).ValueKind != JsonValueKind.Null,
            { ValueKind: JsonValueKind.Object } named => named.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null,
            _ => false,
        };
        return found ? value : null;
    }

    /// <summary>A string parameter that must be there.</summary>
    public static string Text(JsonElement? parameters, int position, string name) =>
        OptionalText(parameters, position, name) ?? throw new ArgumentException($"parameter {name} (a string) is missing");

    /// <summary>A string parameter that may be absent (null then).</summary>
    public static string? OptionalText(JsonElement? parameters, int position, string name) => Find(parameters, position, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } text => text.GetString(),
        _ => throw new ArgumentException($"parameter {name} must be a string"),
    };

    /// <summary>A whole-number parameter that must be there, as a JSON number or as decimal text (command lines send text).</summary>
    public static int Integer(JsonElement? parameters, int position, string name) =>
        OptionalInteger(parameters, position, name) ?? throw new ArgumentException($"parameter {name} (a whole number) is missing");

    /// <summary>A whole-number parameter that may be absent (null then).</summary>
    public static int? OptionalInteger(JsonElement? parameters, int position, string name) => Find(parameters, position, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } number when number.TryGetInt32(out var value) => value,
        { ValueKind: JsonValueKind.String } text when int.TryParse(text.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) => value,
        _ => throw new ArgumentException($"parameter {name} must be a whole number"),
    };
}
