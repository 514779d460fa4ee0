namespace ScriptedSip.IntegrationTests.Faults;

/// <summary>hostsettings.json for a host run as its own process: a fixed port, log lines on stdout (and any extra NLog target).</summary>
internal static class ProcessSettings
{
    public static string For(int port, string sections = "", string extraTargets = "", string extraWriteTo = "") => $$$"""
        {
          "Sip": { "Listen": [ "udp:127.0.0.1:{{{port}}}" ], "Workers": 2 },
          {{{sections}}}
          "NLog": {
            "targets": {
              {{{extraTargets}}}
              "console": { "type": "Console", "layout": "${level:uppercase=true} ${logger}: ${message}${onexception:inner= ${exception:format=message}}" }
            },
            "rules": [ { "logger": "Microsoft.*", "maxLevel": "Info", "final": true }, { "logger": "*", "minLevel": "Info", "writeTo": "console{{{extraWriteTo}}}" } ]
          }
        }
        """;
}
