using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ScriptedSip.Scripting;

/// <summary>
/// Kamailio configs end most blocks with <c>exit;</c>, so scripts call <c>Exit()</c> on nearly every
/// message. Exit() must unwind nested routes, which takes an exception — microseconds per message.
/// A statement <c>Exit();</c> / <c>Drop();</c> written at the top level of a route (not inside a
/// method or lambda) is rewritten to mark the context and <c>return</c>: the same behaviour, no
/// exception. A caller that ran this route through Route() sees the mark and unwinds itself.
/// Likewise a top-level <c>AsyncRoute(...)</c> (as a statement or an if condition) returns on
/// success instead of throwing. Line numbers are kept (the replacement is on the same line).
/// </summary>
internal sealed class ExitRewriter : CSharpSyntaxRewriter
{
    public static SyntaxTree Rewrite(SyntaxTree tree)
    {
        var root = tree.GetRoot();
        var rewritten = new ExitRewriter().Visit(root);
        return ReferenceEquals(rewritten, root) ? tree : tree.WithRootAndOptions(rewritten, tree.Options);
    }

    public override SyntaxNode? VisitExpressionStatement(ExpressionStatementSyntax node)
    {
        if (node.Expression is InvocationExpressionSyntax { Expression: IdentifierNameSyntax name, ArgumentList.Arguments.Count: 0 }
            && name.Identifier.ValueText is "Exit" or "Drop"
            && IsTopLevel(node))
        {
            var mark = name.Identifier.ValueText == "Exit" ? "MarkExit" : "MarkDrop";
            var replacement = SyntaxFactory.ParseStatement($"{{ ScriptControl.{mark}(); return null; }}")
                .WithLeadingTrivia(node.GetLeadingTrivia())
                .WithTrailingTrivia(node.GetTrailingTrivia());
            return replacement;
        }

        // AsyncRoute(...); at the top level: on success the script ends here.
        if (node.Expression is InvocationExpressionSyntax call && IsAsyncRoute(call) && IsTopLevel(node))
        {
            return SyntaxFactory.ParseStatement($"{{ if ({NoThrow(call)}) return null; }}")
                .WithLeadingTrivia(node.GetLeadingTrivia())
                .WithTrailingTrivia(node.GetTrailingTrivia());
        }

        return base.VisitExpressionStatement(node);
    }

    /// <summary>
    /// <c>if (AsyncRoute(...))</c> / <c>if (!AsyncRoute(...))</c> at the top level: evaluate the call
    /// first; on success return (the script ends there, as AsyncRoute promises), otherwise run the if
    /// with the call's result (false).
    /// </summary>
    public override SyntaxNode? VisitIfStatement(IfStatementSyntax node)
    {
        var condition = node.Condition;
        var negated = condition is PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.LogicalNotExpression } not;
        var inner = negated ? ((PrefixUnaryExpressionSyntax)condition).Operand : condition;
        while (inner is ParenthesizedExpressionSyntax parenthesized)
        {
            inner = parenthesized.Expression;
        }

        if (inner is InvocationExpressionSyntax call && IsAsyncRoute(call) && IsTopLevel(node))
        {
            var rest = (IfStatementSyntax)base.VisitIfStatement(node.WithCondition(SyntaxFactory.ParseExpression(negated ? "true" : "false")))!;
            var text = $"{{ if ({NoThrow(call)}) return null; {rest.WithoutTrivia().ToFullString()} }}";
            return SyntaxFactory.ParseStatement(text) // same line breaks as before: line numbers stay right
                .WithLeadingTrivia(node.GetLeadingTrivia())
                .WithTrailingTrivia(node.GetTrailingTrivia());
        }

        return base.VisitIfStatement(node);
    }

    private static bool IsAsyncRoute(InvocationExpressionSyntax call) =>
        call.Expression is IdentifierNameSyntax { Identifier.ValueText: "AsyncRoute" } && call.ArgumentList.Arguments.Count == 2;

    private static string NoThrow(InvocationExpressionSyntax call) => "ScriptControl.AsyncRouteAndEnd" + call.ArgumentList.ToString();

    private static bool IsTopLevel(SyntaxNode node)
    {
        for (var parent = node.Parent; parent is not null; parent = parent.Parent)
        {
            if (parent is BaseMethodDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax
                or TypeDeclarationSyntax or AccessorDeclarationSyntax or PropertyDeclarationSyntax)
            {
                return false;
            }
        }

        return true;
    }
}
