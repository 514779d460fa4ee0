using System.Globalization;
using System.Text.Json;

namespace ScriptedSip.Host.Management.Rpc;

/// <summary>
/// The <c>params</c> of one call, by position (array) or by name (object), as JSON-RPC 2.0 allows.
/// Every accessor names the parameter and the expected kind in its -32602 error.
/// </summary>
public readonly struct RpcParams
{
    private readonly JsonElement? _params;

    public RpcParams(JsonElement? parameters) => _params = parameters;

    /// <summary>The raw params (null when absent), as handed to plugin methods.</summary>
    public JsonElement? Raw => _params;

    public int PositionalCount => _params is { ValueKind: JsonValueKind.Array } array ? array.GetArrayLength() : 0;

    /// <summary>The parameter at <paramref name="position"/> or named <paramref name="name"/>; null when absent (or JSON null).</summary>
    public JsonElement? Get(int position, string name)
    {
        if (_params is not { } p)
        {
            return null;
        }

        JsonElement value;
        if (p.ValueKind == JsonValueKind.Array)
        {
            if (position >= p.GetArrayLength())
            {
                return null;
            }

            value = p[position];
        }
        else if (!p.TryGetProperty(name, out value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Null ? null : value;
    }

    public string? OptionalString(int position, string name) => Get(position, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } s => s.GetString(),
        { } other => throw RpcException.BadParams($"parameter {name} must be a string, not {Kind(other)}"),
    };

    public string RequiredString(int position, string name) =>
        OptionalString(position, name) ?? throw RpcException.BadParams($"parameter {name} (a string) is missing");

    /// <summary>A whole number, given as a JSON number or as decimal text (TContinue takes both).</summary>
    public string Number(int position, string name)
    {
        switch (Get(position, name))
        {
            case null:
                throw RpcException.BadParams($"parameter {name} (a number) is missing");
            case { ValueKind: JsonValueKind.Number } n when n.TryGetUInt64(out var value):
                return value.ToString(CultureInfo.InvariantCulture);
            case { ValueKind: JsonValueKind.String } s:
                return s.GetString()!;
            case { } other:
                throw RpcException.BadParams($"parameter {name} must be a whole number, not {Kind(other)}");
        }
    }

    /// <summary>Every positional parameter as text (strings, or numbers written as given).</summary>
    public IReadOnlyList<string> Strings(string name)
    {
        if (_params is not { } p)
        {
            return [];
        }

        if (p.ValueKind != JsonValueKind.Array)
        {
            return Get(0, name) is { } one ? [Text(one, name)] : [];
        }

        return [.. p.EnumerateArray().Select(e => Text(e, name))];
    }

    private static string Text(JsonElement element, string name) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString()!,
        JsonValueKind.Number => element.GetRawText(),
        _ => throw RpcException.BadParams($"parameter {name} must be a string, not {Kind(element)}"),
    };

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.Number => "a number",
        JsonValueKind.String => "a string",
        JsonValueKind.True or JsonValueKind.False => "true/false",
        _ => element.ValueKind.ToString(),
    };
}
