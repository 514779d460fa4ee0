namespace ScriptedSip.Core.Parsing;

/// <summary>Methods the server knows by name; anything else is <see cref="Unknown"/> (see the raw token).</summary>
public enum SipMethod
{
    Unknown,
    Invite,
    Ack,
    Bye,
    Cancel,
    Register,
    Options,
    Info,
    Update,
    Prack,
    Subscribe,
    Notify,
    Refer,
    Message,
    Publish,
}
