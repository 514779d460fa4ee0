using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Plugins;
using ScriptedSip.Core.Routing;
using ScriptedSip.Core.Transport;
using ScriptedSip.Sdk.Scripting;

namespace ScriptedSip.Core.Tests.Messages;

/// <summary>
/// The message path reuses one <see cref="InboundMessage"/> per worker for messages whose route
/// finished without waiting. A field that <see cref="InboundMessage.Reset"/> forgets would carry one
/// message's decision (replied, a new Request-URI, a transaction) into the next one: every field,
/// including the ones added later, must come out as the constructor leaves it.
/// </summary>
public sealed class InboundMessageResetTests
{
    private static readonly FieldInfo[] Fields = typeof(InboundMessage).GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);

    [Test]
    public void Reset_AfterEveryFieldWasChanged_LeavesTheStateOfANewMessage()
    {
        Assert.That(Fields, Has.Length.GreaterThan(20), "the backing fields of the properties are seen too");
        var used = new InboundMessage(Datagram(), MessageBuffers.Rent(), new NoRoutes(), RouteKind.Request);
        foreach (var field in Fields)
        {
            field.SetValue(used, NonDefault(field.FieldType));
        }

        var datagram = Datagram();
        var buffers = MessageBuffers.Rent();
        var routes = new NoRoutes();
        used.Reset(datagram, buffers, routes, RouteKind.Event);
        var fresh = new InboundMessage(datagram, buffers, routes, RouteKind.Event);

        foreach (var field in Fields)
        {
            Assert.That(field.GetValue(used), Is.EqualTo(field.GetValue(fresh)), field.Name);
        }
    }

    [Test]
    public void Forget_DropsEveryReference()
    {
        var used = new InboundMessage(Datagram(), MessageBuffers.Rent(), new NoRoutes(), RouteKind.Request);
        foreach (var field in Fields)
        {
            field.SetValue(used, NonDefault(field.FieldType));
        }

        // A spare waiting for the next message must not keep the last one's script version alive.
        used.Forget();

        foreach (var field in Fields.Where(f => !f.FieldType.IsValueType))
        {
            Assert.That(field.GetValue(used), Is.Null, field.Name);
        }
    }

    private static InboundDatagram Datagram() =>
        InboundDatagram.Rent(new NowhereTransport(), Encoding.ASCII.GetBytes("0123456789012345678901234567890123456789"), new IPEndPoint(IPAddress.Loopback, 5070).Serialize());

    /// <summary>A value of the type that no constructor sets: true, 7, a second enum member, an object made without a constructor.</summary>
    private static object NonDefault(Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } inner)
        {
            return NonDefault(inner);
        }

        if (type == typeof(bool))
        {
            return true;
        }

        if (type.IsEnum)
        {
            return Enum.ToObject(type, 3);
        }

        if (type.IsPrimitive)
        {
            return Convert.ChangeType(7, type, System.Globalization.CultureInfo.InvariantCulture);
        }

        if (type == typeof(string))
        {
            return "left over";
        }

        if (type.IsArray)
        {
            return Array.CreateInstance(type.GetElementType()!, 3);
        }

        if (type.IsInterface && type.IsAssignableFrom(typeof(NoRoutes)))
        {
            return new NoRoutes();
        }

        return RuntimeHelpers.GetUninitializedObject(type);
    }

    private sealed class NoRoutes : IRouteSet
    {
        public int Version => 1;

        public RouteEntry RequestRoute => _ => Task.FromResult<object?>(null);

        public RouteEntry? ReplyRoute => null;

        public PluginExports Exports => throw new NotSupportedException();

        public RouteEntry? Find(string name) => null;

        public string? SourcePath(string name) => null;
    }

    private sealed class NowhereTransport : ISipTransport
    {
        public SipProtocol Protocol => SipProtocol.Udp;

        public bool IsReliable => false;

        public ListenEndpoint Local { get; } = new(new IPEndPoint(IPAddress.Loopback, 5060));

        public bool Send(ReadOnlySpan<byte> message, SocketAddress destination) => false;
    }
}
