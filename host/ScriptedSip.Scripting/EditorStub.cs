using System.Reflection;
using System.Text;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Scripting;

/// <summary>
/// Editors (VS Code with the C# extension / OmniSharp) know nothing of the globals a route script
/// is compiled against. Scripts therefore start with <c>#load ".editor/globals.csx"</c>: for the
/// editor that file declares every global (forwarding to a <see cref="RouteGlobals"/>), which
/// gives completion and errors; the runtime loads it as an empty file, so the real globals serve.
/// The stub is generated from <see cref="RouteGlobals"/> and a test keeps it up to date.
/// </summary>
public static class EditorStub
{
    public const string FolderName = ".editor";
    public const string FileName = "globals.csx";

    /// <summary>True when a #load path names the editor stub (which the runtime replaces by nothing).</summary>
    public static bool IsStub(string resolvedPath) =>
        string.Equals(Path.GetFileName(resolvedPath), FileName, StringComparison.Ordinal)
        && string.Equals(Path.GetFileName(Path.GetDirectoryName(resolvedPath)), FolderName, StringComparison.Ordinal);

    /// <summary>The stub's text; <paramref name="sdkReference"/> is the #r path of ScriptedSip.Sdk.dll relative to the stub.</summary>
    public static string Generate(string sdkReference)
    {
        var text = new StringBuilder();
        text.AppendLine("// Generated from ScriptedSip.Sdk's RouteGlobals for editor completion. The server ignores this file:");
        text.AppendLine("// scripts compile against the real globals. Regenerate: UPDATE_EDITOR_STUB=1 dotnet test --filter EditorStub");
        text.AppendLine($"#r \"{sdkReference}\"");
        text.AppendLine("using System.Collections.Concurrent;");
        text.AppendLine("using ScriptedSip.Sdk.Scripting;");
        text.AppendLine();
        text.AppendLine("static RouteGlobals __globals = null!;");
        var nullability = new NullabilityInfoContext();
        foreach (var property in typeof(RouteGlobals).GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            var type = Name(property.PropertyType, nullability.Create(property));
            text.Append(type).Append(' ').Append(property.Name);
            text.AppendLine(property.SetMethod?.IsPublic == true
                ? $" {{ get => __globals.{property.Name}; set => __globals.{property.Name} = value; }}"
                : $" => __globals.{property.Name};");
        }

        foreach (var method in typeof(RouteGlobals).GetMethods(BindingFlags.Public | BindingFlags.Instance)
                     .Where(m => !m.IsSpecialName && m.DeclaringType != typeof(object))
                     .Where(m => m.GetCustomAttribute<System.ComponentModel.EditorBrowsableAttribute>()?.State != System.ComponentModel.EditorBrowsableState.Never)
                     .OrderBy(m => m.Name, StringComparer.Ordinal).ThenBy(m => m.GetParameters().Length))
        {
            var generic = method.IsGenericMethodDefinition ? "<" + string.Join(", ", method.GetGenericArguments().Select(a => a.Name)) + ">" : string.Empty;
            var parameters = string.Join(", ", method.GetParameters().Select(p => $"{Name(p.ParameterType, nullability.Create(p))} {p.Name}{Default(p)}"));
            var arguments = string.Join(", ", method.GetParameters().Select(p => p.Name));
            var constraint = method.IsGenericMethodDefinition ? " where " + method.GetGenericArguments()[0].Name + " : class" : string.Empty;
            text.AppendLine($"{Name(method.ReturnType, nullability.Create(method.ReturnParameter))} {method.Name}{generic}({parameters}){constraint} => __globals.{method.Name}{generic}({arguments});");
        }

        return text.ToString();
    }

    private static string Default(ParameterInfo parameter) =>
        !parameter.HasDefaultValue ? string.Empty : parameter.DefaultValue switch
        {
            null => " = null",
            string s => $" = \"{s}\"",
            bool b => b ? " = true" : " = false",
            var v => " = " + Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture),
        };

    private static string Name(Type type, NullabilityInfo? nullability)
    {
        var suffix = nullability is { ReadState: NullabilityState.Nullable } && !type.IsValueType ? "?" : string.Empty;
        if (type == typeof(void))
        {
            return "void";
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Name(underlying, null) + "?";
        }

        var keyword = Type.GetTypeCode(type) switch
        {
            TypeCode.String => "string",
            TypeCode.Int32 => "int",
            TypeCode.UInt32 => "uint",
            TypeCode.Int64 => "long",
            TypeCode.Boolean => "bool",
            TypeCode.Byte => "byte",
            TypeCode.Object when type == typeof(object) => "object",
            _ => null,
        };
        if (keyword is not null)
        {
            return keyword + suffix;
        }

        if (type.IsGenericParameter)
        {
            return type.Name;
        }

        if (!type.IsGenericType)
        {
            return type.Name + suffix;
        }

        var arguments = type.GetGenericArguments();
        var argumentNames = arguments.Select((a, i) => Name(a, nullability?.GenericTypeArguments.ElementAtOrDefault(i)));
        var name = type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)];
        return $"{name}<{string.Join(", ", argumentNames)}>{suffix}";
    }
}
