using ScriptedSip.Host;

return await ScriptedSipApplication.RunAsync(args).ConfigureAwait(false);
