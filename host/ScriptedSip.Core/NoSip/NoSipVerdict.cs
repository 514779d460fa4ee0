namespace ScriptedSip.Core.NoSip;

public enum NoSipVerdict
{
    Run,
    Skip,
    NotMatched,
}
