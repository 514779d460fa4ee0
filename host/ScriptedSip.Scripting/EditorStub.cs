using System.ComponentModel;
using System.Reflection;
using System.Text;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Scripting;

/// <summary>
/// Editors (VS Code with the C# extension / OmniSharp) know nothing of the globals a route script
/// is compiled against. Scripts therefore start with <c>#load ".editor/globals.csx"</c>: for the
/// editor that file declares every global (forwarding to a <see cref="RouteGlobals"/>), which
/// gives completion and errors; the runtime loads it as an empty file, so the real globals serve.
/// The stub is generated from <see cref="RouteGlobals"/>; tests keep it up to date and compile
/// every shipped script with it the way an editor does.
/// </summary>
public static class EditorStub
{
    public const string FolderName = ".editor";
    public const string FileName = "globals.csx";

    /// <summary>
    /// Where the stub finds ScriptedSip.Sdk.dll, relative to the stub in the repository's scripts/.editor/:
    /// the SDK project copies its assembly and XML docs there after every build, whatever the configuration.
    /// </summary>
    public const string RepositorySdkReference = "../../host/ScriptedSip.Sdk/bin/editor/ScriptedSip.Sdk.dll";

    /// <summary>
    /// The plugins shipped in the repository, relative to the stub: the shipped scripts call them
    /// (<c>Plugin&lt;Registrar&gt;()</c>), so an editor needs their assemblies too. They build with the host.
    /// </summary>
    public static readonly IReadOnlyList<string> RepositoryPluginReferences =
        ["../../plugins/Htable/Htable.dll", "../../plugins/Registrar/Registrar.dll", "../../plugins/Auth/Auth.dll", "../../plugins/NatHelper/NatHelper.dll"];

    /// <summary>True when a #load path names the editor stub (which the runtime replaces by nothing).</summary>
    public static bool IsStub(string resolvedPath) =>
        string.Equals(Path.GetFileName(resolvedPath), FileName, StringComparison.Ordinal)
        && string.Equals(Path.GetFileName(Path.GetDirectoryName(resolvedPath)), FolderName, StringComparison.Ordinal);

    /// <summary>The stub's text; <paramref name="sdkReference"/> is the #r path of ScriptedSip.Sdk.dll relative to the stub.</summary>
    public static string Generate(string sdkReference) => Generate(sdkReference, []);

    /// <summary>
    /// As <see cref="Generate(string)"/>, with an #r for each plugin DLL in <paramref name="pluginReferences"/>
    /// (relative to the stub): scripts that call <c>Plugin&lt;T&gt;()</c> of those plugins then compile in
    /// an editor too. The server never reads these lines (it ignores the whole stub).
    /// </summary>
    public static string Generate(string sdkReference, IEnumerable<string> pluginReferences)
    {
        ArgumentNullException.ThrowIfNull(pluginReferences);
        var text = new StringBuilder();
        text.AppendLine("// Generated from ScriptedSip.Sdk's RouteGlobals for editor completion. The server ignores this file:");
        text.AppendLine("// scripts compile against the real globals. Regenerate: UPDATE_EDITOR_STUB=1 dotnet test --filter EditorStub");
        text.AppendLine($"#r \"{sdkReference}\"");
        foreach (var plugin in pluginReferences)
        {
            text.AppendLine($"#r \"{plugin}\"");
        }

        text.AppendLine("#nullable enable");

        // Usings in a #load-ed file do not reach the loading script, global usings do: this gives the
        // editor exactly the namespaces the server imports into every script (enums such as
        // ScriptLogLevel included), no more, so what compiles in the editor compiles on the server.
        foreach (var import in RouteCompiler.DefaultImports)
        {
            text.AppendLine($"global using {import};");
        }

        text.AppendLine();
        text.AppendLine("static RouteGlobals __globals = null!;");
        var nullability = new NullabilityInfoContext();
        foreach (var property in typeof(RouteGlobals).GetProperties(BindingFlags.Public | BindingFlags.Instance)
                     .Where(p => p.GetCustomAttribute<EditorBrowsableAttribute>()?.State != EditorBrowsableState.Never)
                     .OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            text.AppendLine($"/// <inheritdoc cref=\"RouteGlobals.{property.Name}\"/>");
            var type = Name(property.PropertyType, nullability.Create(property));
            text.Append(type).Append(' ').Append(property.Name);
            text.AppendLine(property.SetMethod?.IsPublic == true
                ? $" {{ get => __globals.{property.Name}; set => __globals.{property.Name} = value; }}"
                : $" => __globals.{property.Name};");
        }

        foreach (var method in typeof(RouteGlobals).GetMethods(BindingFlags.Public | BindingFlags.Instance)
                     .Where(m => !m.IsSpecialName && m.DeclaringType != typeof(object))
                     .Where(m => m.GetCustomAttribute<EditorBrowsableAttribute>()?.State != EditorBrowsableState.Never)
                     .OrderBy(m => m.Name, StringComparer.Ordinal).ThenBy(m => m.GetParameters().Length))
        {
            var genericArguments = method.IsGenericMethodDefinition ? method.GetGenericArguments().Select(a => a.Name).ToList() : [];
            var generic = genericArguments.Count > 0 ? "<" + string.Join(", ", genericArguments) + ">" : string.Empty;
            var parameters = string.Join(", ", method.GetParameters().Select(p => $"{Name(p.ParameterType, nullability.Create(p))} {p.Name}{Default(p)}"));
            var arguments = string.Join(", ", method.GetParameters().Select(p => p.Name));
            var constraint = genericArguments.Count > 0 ? " where " + genericArguments[0] + " : class" : string.Empty;
            var cref = $"RouteGlobals.{method.Name}{(genericArguments.Count > 0 ? "{" + string.Join(", ", genericArguments) + "}" : string.Empty)}"
                       + $"({string.Join(", ", method.GetParameters().Select(p => Name(p.ParameterType, null).Replace('<', '{').Replace('>', '}')))})";
            text.AppendLine($"/// <inheritdoc cref=\"{cref}\"/>");
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
            var v when parameter.ParameterType.IsEnum => Enum.IsDefined(parameter.ParameterType, v)
                ? $" = {Name(parameter.ParameterType, null)}.{Enum.GetName(parameter.ParameterType, v)}"
                : $" = ({Name(parameter.ParameterType, null)}){Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture)}",
            var v => " = " + Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture),
        };

    /// <summary>
    /// The C# name of a type as the stub writes it: a keyword for the built-in types, the plain name
    /// when its namespace is among the script imports, else the full name. An enum keeps its own type:
    /// mapping it to its underlying int would make calls such as <c>Xlog(ScriptLogLevel.Warn, ...)</c>
    /// errors in the editor.
    /// </summary>
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

        var keyword = type.IsEnum ? null : Type.GetTypeCode(type) switch
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

        var name = type.IsGenericType ? type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)] : type.Name;
        var qualified = type.IsNested ? Name(type.DeclaringType!, null) + "." + name
            : type.Namespace is null || RouteCompiler.DefaultImports.Contains(type.Namespace) ? name
            : $"global::{type.Namespace}.{name}";
        if (!type.IsGenericType)
        {
            return qualified + suffix;
        }

        var argumentNames = type.GetGenericArguments().Select((a, i) => Name(a, nullability?.GenericTypeArguments.ElementAtOrDefault(i)));
        return $"{qualified}<{string.Join(", ", argumentNames)}>{suffix}";
    }
}
