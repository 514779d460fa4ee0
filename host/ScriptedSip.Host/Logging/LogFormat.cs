namespace ScriptedSip.Host.Logging;

/// <summary><c>Logging:Format</c>: the layout of every NLog target.</summary>
public enum LogFormat
{
    /// <summary>The targets' own layouts, with the message context (<c>${sip}</c>) appended.</summary>
    Text,

    /// <summary>One JSON object per line (NLog's JsonLayout), the message context as fields.</summary>
    Json,
}
