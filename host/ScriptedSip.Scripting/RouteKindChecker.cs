using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ScriptedSip.Sdk.Plugins;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Scripting;

/// <summary>
/// Plugin functions may declare the route kinds they work in (<see cref="RouteKindsAttribute"/>).
/// A call from a route of another kind is reported when the script loads, as
/// <c>path(line,col): error SSR001: ...</c>, instead of failing at run time.
/// </summary>
internal static class RouteKindChecker
{
    public const string DiagnosticId = "SSR001";

    public static IEnumerable<string> Check(Compilation compilation, SyntaxTree tree, RouteKind kind)
    {
        var model = compilation.GetSemanticModel(tree);
        foreach (var node in tree.GetRoot().DescendantNodes())
        {
            // A method call is checked at its invocation; a property at its member access.
            var isCall = node is InvocationExpressionSyntax;
            var isPropertyAccess = node is MemberAccessExpressionSyntax && node.Parent is not InvocationExpressionSyntax;
            if (!isCall && !isPropertyAccess)
            {
                continue;
            }

            var symbol = model.GetSymbolInfo(node).Symbol;
            if (symbol is null)
            {
                continue;
            }

            var attribute = symbol.GetAttributes().FirstOrDefault(a =>
                a.AttributeClass?.Name == nameof(RouteKindsAttribute)
                && a.AttributeClass.ContainingNamespace.ToDisplayString() == typeof(RouteKindsAttribute).Namespace);
            if (attribute is null || attribute.ConstructorArguments.Length == 0)
            {
                continue;
            }

            var allowed = attribute.ConstructorArguments[0].Values.Select(v => (RouteKind)(int)v.Value!).ToList();
            if (allowed.Contains(kind))
            {
                continue;
            }

            var span = node.GetLocation().GetLineSpan();
            yield return $"{span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1}): error {DiagnosticId}: "
                + $"{symbol.ContainingType.Name}.{symbol.Name} may only be used in {string.Join(" or ", allowed)} routes, not in this {kind} route";
        }
    }
}
