using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ScriptedSip.Core.Routing;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Scripting;

/// <summary>
/// The routes of a scripts folder and how they reach each other, read from the syntax of every
/// route file and its <c>#load</c> helpers before anything is compiled. Two uses:
/// a route name written as a string literal in <c>Route</c>, <c>RouteAsync</c>, <c>TContinue</c>,
/// <c>AsyncRoute</c>, <c>TOnFailure</c> or <c>TOnReply</c> that names no route file is an error at
/// load (<c>file(line,col): error SSR002</c>), and each named route learns the kinds it can run as
/// (called from a request route it is a request route; armed by TOnFailure a failure route, ...),
/// so plugin functions restricted with [RouteKinds] are checked in named routes too.
/// </summary>
internal static class RouteGraph
{
    public const string UnknownRouteId = "SSR002";

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.None, SourceCodeKind.Script);

    /// <summary>Functions whose route argument names a route, and the kind the named route then runs as (null: the caller's kinds).</summary>
    private static readonly Dictionary<string, (string Parameter, int Position, RouteKind? Kind)> RouteTakers = new(StringComparer.Ordinal)
    {
        ["Route"] = ("name", 0, null),
        ["RouteAsync"] = ("name", 0, null),
        ["TOnFailure"] = ("route", 0, RouteKind.Failure),
        ["TOnReply"] = ("route", 0, RouteKind.Reply),
        ["AsyncRoute"] = ("route", 0, RouteKind.Request),
        ["TContinue"] = ("route", 2, RouteKind.Request),
    };

    /// <summary>Reads every route file; returns the load errors and the kinds each route can run as.</summary>
    public static (IReadOnlyList<string> Errors, IReadOnlyDictionary<string, IReadOnlySet<RouteKind>> Kinds) Analyze(
        IReadOnlyList<string> files, Func<string, RouteKind?> kindOf)
    {
        var names = files.Select(RouteSetLoader.RouteName).ToHashSet(StringComparer.Ordinal);
        var errors = new List<string>();
        var edges = new List<(string From, string To, RouteKind? Kind)>();
        foreach (var file in files)
        {
            var from = RouteSetLoader.RouteName(file);
            foreach (var (target, kind, location) in References(file))
            {
                var normalized = RouteNames.Normalize(target);
                if (!names.Contains(normalized))
                {
                    var span = location.GetLineSpan();
                    errors.Add($"{span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1}): error {UnknownRouteId}: "
                        + $"no route named \"{target}\" is loaded (no {normalized}.csx in the scripts folder)");
                    continue;
                }

                edges.Add((from, normalized, kind));
            }
        }

        return (errors, Propagate(names, edges, kindOf));
    }

    /// <summary>Kinds flow from the routes with a fixed kind along the references until nothing changes.</summary>
    private static Dictionary<string, IReadOnlySet<RouteKind>> Propagate(HashSet<string> names, List<(string From, string To, RouteKind? Kind)> edges, Func<string, RouteKind?> kindOf)
    {
        var kinds = names.ToDictionary(n => n, n => kindOf(n) is { } fixedKind ? new HashSet<RouteKind> { fixedKind } : new HashSet<RouteKind>(), StringComparer.Ordinal);
        var changed = true;
        while (changed)
        {
            changed = false;
            foreach (var (from, to, kind) in edges)
            {
                if (kindOf(to) is not null)
                {
                    continue; // request_route, reply_route, event routes run as their own kind whoever names them
                }

                var incoming = kind is { } k ? [k] : kinds[from];
                foreach (var each in incoming)
                {
                    changed |= kinds[to].Add(each);
                }
            }
        }

        return kinds.ToDictionary(kv => kv.Key, kv => (IReadOnlySet<RouteKind>)kv.Value, StringComparer.Ordinal);
    }

    /// <summary>String-literal route names in a file and in the helpers it loads (each helper read once).</summary>
    private static IEnumerable<(string Target, RouteKind? Kind, Location Location)> References(string file)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push(Path.GetFullPath(file));
        while (pending.Count > 0)
        {
            var path = pending.Pop();
            if (!seen.Add(path) || !File.Exists(path) || EditorStub.IsStub(path))
            {
                continue;
            }

            var root = CSharpSyntaxTree.ParseText(File.ReadAllText(path), ParseOptions, path).GetCompilationUnitRoot();
            foreach (var load in root.GetLoadDirectives())
            {
                var relative = load.File.ValueText;
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, relative)));
            }

            foreach (var call in root.DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                // Only the globals' own functions: called unqualified (or on this), as scripts do.
                var name = call.Expression switch
                {
                    IdentifierNameSyntax id => id.Identifier.ValueText,
                    MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } member => member.Name.Identifier.ValueText,
                    _ => null,
                };
                if (name is null || !RouteTakers.TryGetValue(name, out var taker))
                {
                    continue;
                }

                var argument = call.ArgumentList.Arguments.FirstOrDefault(a => a.NameColon?.Name.Identifier.ValueText == taker.Parameter)
                    ?? call.ArgumentList.Arguments.Where(a => a.NameColon is null).ElementAtOrDefault(taker.Position);
                if (argument?.Expression is LiteralExpressionSyntax { RawKind: (int)SyntaxKind.StringLiteralExpression } literal)
                {
                    yield return (literal.Token.ValueText, taker.Kind, literal.GetLocation());
                }
            }
        }
    }
}
