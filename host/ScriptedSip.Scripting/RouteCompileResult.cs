namespace ScriptedSip.Scripting;

/// <summary>Either an image or every error, formatted <c>path(line,col): error CSxxxx: message</c>.</summary>
public sealed class RouteCompileResult
{
    private RouteCompileResult(RouteImage? image, IReadOnlyList<string> errors)
    {
        Image = image;
        Errors = errors;
    }

    public RouteImage? Image { get; }

    public IReadOnlyList<string> Errors { get; }

    public bool Success => Image is not null;

    public static RouteCompileResult Succeeded(RouteImage image) => new(image, []);

    public static RouteCompileResult Failed(IReadOnlyList<string> errors) => new(null, errors);
}
