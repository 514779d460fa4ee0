using System.Collections.Frozen;

namespace ScriptedSip.Core.Plugins;

/// <summary>
/// The objects loaded plugins exported to scripts, by their type. Replaced as a whole when plugins
/// change, so a message sees one consistent set; objects of a replaced plugin version stay
/// reachable here until the scripts compiled against the new version have taken over.
/// </summary>
public sealed class PluginExports
{
    private FrozenDictionary<Type, object> _exports = FrozenDictionary<Type, object>.Empty;

    public IReadOnlyDictionary<Type, object> Current => Volatile.Read(ref _exports);

    public T Get<T>()
        where T : class =>
        Volatile.Read(ref _exports).TryGetValue(typeof(T), out var value)
            ? (T)value
            : throw new InvalidOperationException($"Plugin<{typeof(T).Name}>(): no loaded plugin exports {typeof(T).FullName}.");

    public void Replace(IEnumerable<KeyValuePair<Type, object>> exports) =>
        Volatile.Write(ref _exports, exports.ToFrozenDictionary());
}
