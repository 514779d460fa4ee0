namespace ScriptedSip.Core.NoSip;

/// <summary>The <c>NoSip</c> section: how non-SIP datagrams are handled (Kamailio's nosip module).</summary>
public sealed class NoSipOptions
{
    public const string Section = "NoSip";

    /// <summary>Datagrams smaller than this (strict &lt;) are dropped silently before parsing: NAT keep-alives.</summary>
    public int MinPacketSize { get; set; } = 32;

    /// <summary>.NET regex; when set, only packets whose whole content matches run the route. Empty = off.</summary>
    public string MsgMatch { get; set; } = string.Empty;

    /// <summary>.NET regex; packets whose content matches are dropped. Empty = off.</summary>
    public string MsgSkip { get; set; } = string.Empty;

    /// <summary>The route run for non-SIP packets (file <c>NAME.csx</c>; <c>module:event</c> = <c>module_event.csx</c>).</summary>
    public string EventRoute { get; set; } = "nosip_msg";

    /// <summary>Time limit for one regex match, so a pathological pattern cannot stall a worker.</summary>
    public int RegexTimeoutMs { get; set; } = 50;
}
