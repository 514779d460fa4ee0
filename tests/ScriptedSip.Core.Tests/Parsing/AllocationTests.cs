using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;

namespace ScriptedSip.Core.Tests.Parsing;

/// <summary>The hot path must not allocate: parse and the lookups every message needs, reply and forward.</summary>
[TestFixture]
public sealed class AllocationTests
{
    [Test]
    public void Parse_TypicalInviteWithViaCallIdCSeqLookup_AllocatesNothing()
    {
        var msg = new SipMessage();
        ReadOnlyMemory<byte> invite = SampleMessages.Invite;
        long sink = 0;
        for (int i = 0; i < 1000; i++)
        {
            sink += ParseAndLookUp(msg, invite);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            sink += ParseAndLookUp(msg, invite);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(allocated, Is.Zero);
        Assert.That(sink, Is.Not.Zero);
    }

    [Test]
    public void WriteReplyAndEditorForward_AfterWarmUp_AllocateNothing()
    {
        var msg = new SipMessage();
        var editor = new SipMessageEditor();
        var output = new byte[4096];
        msg.Parse(SampleMessages.Invite);
        long sink = 0;
        for (int i = 0; i < 1000; i++)
        {
            sink += ReplyAndForward(msg, editor, output);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            sink += ReplyAndForward(msg, editor, output);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(allocated, Is.Zero);
        Assert.That(sink, Is.Positive);
    }

    private static long ParseAndLookUp(SipMessage msg, ReadOnlyMemory<byte> datagram)
    {
        msg.Parse(datagram);
        var via = msg.TopVia;
        return via.Branch.Length + msg.Span(msg.CallId).Length + msg.CSeqNumber + msg.FindHeader("Call-ID") + msg.FindHeader(HeaderKind.Contact);
    }

    private static long ReplyAndForward(SipMessage msg, SipMessageEditor editor, byte[] output)
    {
        long n = SipReplyWriter.WriteReply(msg, 200, "OK", "totag1"u8, "198.51.100.7"u8, 5062, default, output);
        editor.Reset(msg);
        editor.InsertTopHeader("Via: SIP/2.0/UDP 192.0.2.100;branch=z9hG4bKproxy1\r\n"u8);
        editor.SetMaxForwards(msg.MaxForwards - 1);
        editor.SetRequestUri("sip:bob@192.0.2.200:5060"u8);
        return n + editor.WriteTo(output);
    }
}
