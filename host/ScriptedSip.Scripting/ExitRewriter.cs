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
/// Line numbers are kept (the replacement is on the same line).
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
            var replacement = SyntaxFactory.ParseStatement($"{{ {mark}(); return null; }}")
                .WithLeadingTrivia(node.GetLeadingTrivia())
                .WithTrailingTrivia(node.GetTrailingTrivia());
            return replacement;
        }

        return base.VisitExpressionStatement(node);
    }

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
