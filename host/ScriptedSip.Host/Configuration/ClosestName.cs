namespace ScriptedSip.Host.Configuration;

/// <summary>Finds the known name a mistyped one most likely meant, for "did you mean …?" hints.</summary>
internal static class ClosestName
{
    /// <summary>
    /// The candidate nearest to <paramref name="typed"/> (case-insensitive), or null when none is
    /// close enough to be a plausible typo: a hint pointing at an unrelated key misleads more than no hint.
    /// </summary>
    public static string? Find(string typed, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(typed);
        ArgumentNullException.ThrowIfNull(candidates);
        var allowed = typed.Length switch
        {
            <= 4 => 1,
            <= 8 => 2,
            _ => 3,
        };
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(typed.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return bestDistance <= allowed ? best : null;
    }

    /// <summary>
    /// Edit distance where inserting, deleting or replacing a character, or swapping two neighbours,
    /// costs one each (optimal string alignment): "Wrokers" is one step from "Workers", not two.
    /// </summary>
    public static int Distance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var d = new int[a.Length + 1][];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i] = new int[b.Length + 1];
            d[i][0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0][j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                var value = Math.Min(Math.Min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    value = Math.Min(value, d[i - 2][j - 2] + 1);
                }

                d[i][j] = value;
            }
        }

        return d[a.Length][b.Length];
    }
}
