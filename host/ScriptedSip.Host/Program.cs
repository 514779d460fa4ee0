using ScriptedSip.Host;

SocketCompletions.PreferInline(); // before the first socket: the runtime reads it once
return await ScriptedSipApplication.RunAsync(args).ConfigureAwait(false);
