using ScriptedSip.Ctl;

return await CtlCommands.Build().Parse(args).InvokeAsync().ConfigureAwait(false);
