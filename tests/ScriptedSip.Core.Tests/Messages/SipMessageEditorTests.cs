using System.Text;
using ScriptedSip.Core.Messages;
using ScriptedSip.Core.Parsing;
using ScriptedSip.Core.Tests.Parsing;

namespace ScriptedSip.Core.Tests.Messages;

[TestFixture]
public sealed class SipMessageEditorTests
{
    private readonly SipMessage _msg = new();
    private readonly SipMessage _out = new();
    private readonly SipMessageEditor _editor = new();
    private readonly byte[] _output = new byte[128 * 1024];

    private string Write()
    {
        int n = _editor.WriteTo(_output);
        Assert.That(n, Is.Positive);
        Assert.That(_out.Parse(_output.AsMemory(0, n)), Is.EqualTo(SipParseStatus.Ok), () => _out.Error ?? "");
        return Encoding.UTF8.GetString(_output, 0, n);
    }

    private void Load(byte[] message)
    {
        Assert.That(_msg.Parse(message), Is.EqualTo(SipParseStatus.Ok), () => _msg.Error ?? "");
        _editor.Reset(_msg);
    }

    [Test]
    public void WriteTo_NoEdits_ReproducesMessage()
    {
        Load(SampleMessages.Invite);

        Assert.That(Write(), Is.EqualTo(SampleMessages.InviteText));
    }

    [Test]
    public void WriteTo_ProxyForward_AppliesAllEditsAndReparses()
    {
        Load(SampleMessages.Invite);

        _editor.InsertTopHeader("Record-Route: <sip:192.0.2.100;lr>\r\n"u8);
        _editor.InsertTopHeader("Via: SIP/2.0/UDP 192.0.2.100;branch=z9hG4bKproxy1"u8);
        _editor.SetMaxForwards(69);
        _editor.SetRequestUri("sip:bob@192.0.2.200:5070"u8);
        var text = Write();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(text, Does.StartWith(
                "INVITE sip:bob@192.0.2.200:5070 SIP/2.0\r\n" +
                "Record-Route: <sip:192.0.2.100;lr>\r\n" +
                "Via: SIP/2.0/UDP 192.0.2.100;branch=z9hG4bKproxy1\r\n" +
                "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n" +
                "Max-Forwards: 69\r\n"));
            Assert.That(_out.GetString(_out.TopVia.Branch), Is.EqualTo("z9hG4bKproxy1"));
            Assert.That(_out.ViaCount, Is.EqualTo(2));
            Assert.That(_out.MaxForwards, Is.EqualTo(69));
            Assert.That(_out.GetString(_out.RequestUri), Is.EqualTo("sip:bob@192.0.2.200:5070"));
            Assert.That(_out.GetString(_out.Body), Is.EqualTo("v=0\n"));
            Assert.That(_out.ContentLength, Is.EqualTo(4));
        }
    }

    [Test]
    public void SetMaxForwards_CalledTwice_LastValueWins()
    {
        Load(SampleMessages.Invite);

        _editor.SetMaxForwards(10);
        _editor.SetMaxForwards(9);
        Write();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_out.MaxForwards, Is.EqualTo(9));
            Assert.That(_editor.EditCount, Is.EqualTo(1));
        }
    }

    [Test]
    public void SetMaxForwards_HeaderAbsent_AppendsIt()
    {
        Load(SampleMessages.Options());

        _editor.SetMaxForwards(70);
        var text = Write();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_out.MaxForwards, Is.EqualTo(70));
            Assert.That(text, Does.EndWith("CSeq: 63104 OPTIONS\r\nMax-Forwards: 70\r\n\r\n"));
        }
    }

    [Test]
    public void SetRequestUri_CalledAfterWriteTo_ReplacesEarlierValue()
    {
        Load(SampleMessages.Invite);
        _editor.SetRequestUri("sip:first@192.0.2.1"u8);
        _editor.InsertTopHeader("X-A: 1"u8);
        Write();

        _editor.SetRequestUri("sip:second@192.0.2.2"u8);
        Write();

        Assert.That(_out.GetString(_out.RequestUri), Is.EqualTo("sip:second@192.0.2.2"));
    }

    [Test]
    public void RemoveHeader_RemovesWholeFoldedLine()
    {
        Load(SampleMessages.Options("Subject: a\r\n  folded\r\nX-Keep: 1\r\n"));

        _editor.RemoveHeader(_msg.FindHeader(HeaderKind.Subject));
        var text = Write();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_out.FindHeader(HeaderKind.Subject), Is.EqualTo(-1));
            Assert.That(text, Does.Not.Contain("folded"));
            Assert.That(_out.FindHeader("X-Keep"), Is.GreaterThanOrEqualTo(0));
        }
    }

    [Test]
    public void RemoveFirstValue_CombinedRoute_KeepsTheRest()
    {
        Load(SampleMessages.Options("Route: <sip:p1.example;lr>, <sip:p2.example;lr>,\r\n <sip:p3.example;lr>\r\n"));

        _editor.RemoveFirstValue(_msg.FindHeader(HeaderKind.Route));
        Write();

        var values = new List<string>();
        foreach (var v in _out.HeaderValues(_out.FindHeader(HeaderKind.Route)))
        {
            values.Add(_out.GetString(v));
        }

        Assert.That(values, Is.EqualTo(RemainingRoutes));
    }

    [Test]
    public void RemoveFirstValue_SingleValue_RemovesLine()
    {
        Load(SampleMessages.Options("Route: <sip:p1.example;lr>\r\n"));

        _editor.RemoveFirstValue(_msg.FindHeader(HeaderKind.Route));
        Write();

        Assert.That(_out.FindHeader(HeaderKind.Route), Is.EqualTo(-1));
    }

    [Test]
    public void RemoveTopVia_ResponseWithTwoVias_RelaysWithSecondOnTop()
    {
        Load(SampleMessages.Bytes(
            "SIP/2.0 200 OK\r\n" +
            "Via: SIP/2.0/UDP proxy.example;branch=z9hG4bKp, SIP/2.0/UDP client.example;branch=z9hG4bKc\r\n" +
            "To: <sip:b@b.example>;tag=1\r\nFrom: <sip:a@a.example>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"));

        Assert.That(_editor.RemoveTopVia(), Is.True);
        Write();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_out.ViaCount, Is.EqualTo(1));
            Assert.That(_out.GetString(_out.TopVia.Host), Is.EqualTo("client.example"));
        }
    }

    [Test]
    public void RemoveTopVia_SeparateViaLines_RemovesFirstLine()
    {
        Load(SampleMessages.Options("Via: SIP/2.0/UDP second.example;branch=z9hG4bK2\r\n"));

        _editor.RemoveTopVia();
        Write();

        Assert.That(_out.GetString(_out.TopVia.Host), Is.EqualTo("second.example"));
    }

    [Test]
    public void InsertTopHeader_AfterRemovingFirstHeader_IsStillWritten()
    {
        Load(SampleMessages.Options("Via: SIP/2.0/UDP second.example;branch=z9hG4bK2\r\n"));

        _editor.RemoveHeader(0);
        _editor.InsertTopHeader("Via: SIP/2.0/UDP mine.example;branch=z9hG4bKmine"u8);
        Write();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_out.GetString(_out.TopVia.Host), Is.EqualTo("mine.example"));
            Assert.That(_out.ViaCount, Is.EqualTo(2));
        }
    }

    [Test]
    public void AppendHeader_KeepsOrderAndBody()
    {
        Load(SampleMessages.Invite);

        _editor.AppendHeader("X-First: 1"u8);
        _editor.AppendHeader("X-Second: 2\r\n"u8);
        var text = Write();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(text, Does.EndWith("Content-Length: 4\r\nX-First: 1\r\nX-Second: 2\r\n\r\nv=0\n"));
            Assert.That(_out.FindHeader("X-First"), Is.LessThan(_out.FindHeader("X-Second")));
        }
    }

    [Test]
    public void WriteTo_DroppedTrailingOctetsAndLeadingCrlf_AreNotForwarded()
    {
        Load(SampleMessages.Bytes("\r\n" + SampleMessages.InviteText + "TRAILING JUNK"));

        var text = Write();

        Assert.That(text, Is.EqualTo(SampleMessages.InviteText));
    }

    [Test]
    public void WriteTo_RemovingSameHeaderTwice_RemovesItOnce()
    {
        Load(SampleMessages.Options("X-A: 1\r\nX-B: 2\r\n"));

        int index = _msg.FindHeader("X-A");
        _editor.RemoveHeader(index);
        _editor.RemoveHeader(index);
        _editor.RemoveFirstValue(index);
        Write();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_out.FindHeader("X-A"), Is.EqualTo(-1));
            Assert.That(_out.FindHeader("X-B"), Is.GreaterThanOrEqualTo(0));
            Assert.That(_out.HeaderCount, Is.EqualTo(_msg.HeaderCount - 1));
        }
    }

    [Test]
    public void WriteTo_DestinationTooSmall_ReturnsMinusOne()
    {
        Load(SampleMessages.Invite);

        Assert.That(_editor.WriteTo(new byte[32]), Is.EqualTo(-1));
    }

    [Test]
    public void WriteTo_InvalidMessage_ReturnsMinusOne()
    {
        _msg.Parse(SampleMessages.Options("Content-Length: 99\r\n"));
        _editor.Reset(_msg);

        Assert.That(_editor.WriteTo(_output), Is.EqualTo(-1));
    }

    [Test]
    public void ManyLargeEdits_GrowScratchAndStayCorrect()
    {
        Load(SampleMessages.Invite);
        var big = "X-Big: " + new string('b', 3000);

        for (int i = 0; i < 20; i++)
        {
            _editor.AppendHeader(Encoding.ASCII.GetBytes(big + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        var text = Write();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_out.HeaderCount, Is.EqualTo(_msg.HeaderCount + 20));
            Assert.That(text, Does.Contain(big + "19\r\n\r\nv=0\n"));
        }
    }

    [Test]
    public void SetRequestUri_OnResponse_Throws()
    {
        Load(SampleMessages.Bytes("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:b@b>\r\nFrom: <sip:a@a>;tag=1\r\nCall-ID: c\r\nCSeq: 1 BYE\r\n\r\n"));

        Assert.That(() => _editor.SetRequestUri("sip:x@y"u8), Throws.InvalidOperationException);
    }

    private static readonly string[] RemainingRoutes = ["<sip:p2.example;lr>", "<sip:p3.example;lr>"];
}
