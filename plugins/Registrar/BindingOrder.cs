namespace ScriptedSip.Plugins.Registrar;

/// <summary>
/// Which bindings of an address-of-record count and in what order a lookup tries them, without the
/// allocations of LINQ (a lookup runs for every call to a registered user).
/// </summary>
internal static class BindingOrder
{
    /// <summary>Highest q first, then the most recently registered (the later expiry).</summary>
    private static readonly Comparison<Binding> BestFirst = static (a, b) => a.Q != b.Q ? b.Q.CompareTo(a.Q) : b.Expires.CompareTo(a.Expires);

    /// <summary>The bindings that have not expired at <paramref name="now"/>, in their registration order.</summary>
    public static List<Binding> Live(List<Binding> bindings, DateTimeOffset now)
    {
        var live = new List<Binding>(bindings.Count);
        foreach (var binding in bindings)
        {
            if (binding.Expires > now)
            {
                live.Add(binding);
            }
        }

        return live;
    }

    /// <summary>
    /// Best first, in place. An insertion sort: stable (equal ones keep their registration order) and
    /// fast for the handful of bindings an address-of-record has.
    /// </summary>
    public static void SortBestFirst(List<Binding> bindings)
    {
        for (var i = 1; i < bindings.Count; i++)
        {
            var binding = bindings[i];
            var j = i - 1;
            for (; j >= 0 && BestFirst(bindings[j], binding) > 0; j--)
            {
                bindings[j + 1] = bindings[j];
            }

            bindings[j + 1] = binding;
        }
    }
}
