// Generated from ScriptedSip.Sdk's RouteGlobals for editor completion. The server ignores this file:
// scripts compile against the real globals. Regenerate: UPDATE_EDITOR_STUB=1 dotnet test --filter EditorStub
#r "../../host/ScriptedSip.Sdk/bin/editor/ScriptedSip.Sdk.dll"
#r "../../plugins/Auth/Auth.dll"
#r "../../plugins/Dispatcher/Dispatcher.dll"
#r "../../plugins/Htable/Htable.dll"
#r "../../plugins/NatHelper/NatHelper.dll"
#r "../../plugins/Permissions/Permissions.dll"
#r "../../plugins/Pike/Pike.dll"
#r "../../plugins/Registrar/Registrar.dll"
#nullable enable
global using System;
global using System.Collections.Generic;
global using System.Linq;
global using System.Text;
global using System.Text.RegularExpressions;
global using System.Threading.Tasks;
global using System.Net;
global using ScriptedSip.Sdk.Scripting;

static RouteGlobals __globals = null!;
/// <inheritdoc cref="RouteGlobals.BranchCount"/>
int BranchCount => __globals.BranchCount;
/// <inheritdoc cref="RouteGlobals.BranchResults"/>
IReadOnlyList<BranchResult> BranchResults => __globals.BranchResults;
/// <inheritdoc cref="RouteGlobals.Ci"/>
string? Ci => __globals.Ci;
/// <inheritdoc cref="RouteGlobals.Du"/>
string? Du { get => __globals.Du; set => __globals.Du = value; }
/// <inheritdoc cref="RouteGlobals.Fu"/>
string? Fu => __globals.Fu;
/// <inheritdoc cref="RouteGlobals.Mb"/>
string Mb => __globals.Mb;
/// <inheritdoc cref="RouteGlobals.MbBytes"/>
ReadOnlyMemory<byte> MbBytes => __globals.MbBytes;
/// <inheritdoc cref="RouteGlobals.Message"/>
RouteGlobals Message => __globals.Message;
/// <inheritdoc cref="RouteGlobals.Proto"/>
string Proto => __globals.Proto;
/// <inheritdoc cref="RouteGlobals.Ri"/>
string Ri => __globals.Ri;
/// <inheritdoc cref="RouteGlobals.Rm"/>
string? Rm => __globals.Rm;
/// <inheritdoc cref="RouteGlobals.Rp"/>
int Rp => __globals.Rp;
/// <inheritdoc cref="RouteGlobals.Rr"/>
string? Rr => __globals.Rr;
/// <inheritdoc cref="RouteGlobals.Rs"/>
int Rs => __globals.Rs;
/// <inheritdoc cref="RouteGlobals.Ru"/>
string? Ru { get => __globals.Ru; set => __globals.Ru = value; }
/// <inheritdoc cref="RouteGlobals.Shv"/>
global::System.Collections.Concurrent.ConcurrentDictionary<string, object?> Shv => __globals.Shv;
/// <inheritdoc cref="RouteGlobals.Si"/>
string Si => __globals.Si;
/// <inheritdoc cref="RouteGlobals.Sp"/>
int Sp => __globals.Sp;
/// <inheritdoc cref="RouteGlobals.TIndex"/>
uint TIndex => __globals.TIndex;
/// <inheritdoc cref="RouteGlobals.TLabel"/>
uint TLabel => __globals.TLabel;
/// <inheritdoc cref="RouteGlobals.Tu"/>
string? Tu => __globals.Tu;
/// <inheritdoc cref="RouteGlobals.Var"/>
IDictionary<string, object?> Var => __globals.Var;
/// <inheritdoc cref="RouteGlobals.AppendBranch(string)"/>
bool AppendBranch(string uri) => __globals.AppendBranch(uri);
/// <inheritdoc cref="RouteGlobals.AppendBranch(string, string)"/>
bool AppendBranch(string uri, string? destination) => __globals.AppendBranch(uri, destination);
/// <inheritdoc cref="RouteGlobals.AppendHf(string)"/>
bool AppendHf(string text) => __globals.AppendHf(text);
/// <inheritdoc cref="RouteGlobals.AppendToReply(string)"/>
bool AppendToReply(string text) => __globals.AppendToReply(text);
/// <inheritdoc cref="RouteGlobals.AsyncRoute(string, int)"/>
bool AsyncRoute(string route, int seconds) => __globals.AsyncRoute(route, seconds);
/// <inheritdoc cref="RouteGlobals.AsyncRoute(string, string)"/>
bool AsyncRoute(string route, string seconds) => __globals.AsyncRoute(route, seconds);
/// <inheritdoc cref="RouteGlobals.AsyncSleep(int)"/>
Task AsyncSleep(int seconds) => __globals.AsyncSleep(seconds);
/// <inheritdoc cref="RouteGlobals.ClearBranches()"/>
void ClearBranches() => __globals.ClearBranches();
/// <inheritdoc cref="RouteGlobals.Drop()"/>
void Drop() => __globals.Drop();
/// <inheritdoc cref="RouteGlobals.Exit()"/>
void Exit() => __globals.Exit();
/// <inheritdoc cref="RouteGlobals.Forward()"/>
bool Forward() => __globals.Forward();
/// <inheritdoc cref="RouteGlobals.Forward(string)"/>
bool Forward(string uri) => __globals.Forward(uri);
/// <inheritdoc cref="RouteGlobals.HasToTag()"/>
bool HasToTag() => __globals.HasToTag();
/// <inheritdoc cref="RouteGlobals.Hdr(string)"/>
string? Hdr(string name) => __globals.Hdr(name);
/// <inheritdoc cref="RouteGlobals.HdrAll(string)"/>
IReadOnlyList<string> HdrAll(string name) => __globals.HdrAll(name);
/// <inheritdoc cref="RouteGlobals.IsMethod(string)"/>
bool IsMethod(string methods) => __globals.IsMethod(methods);
/// <inheritdoc cref="RouteGlobals.IsMyself(string)"/>
bool IsMyself(string? uri) => __globals.IsMyself(uri);
/// <inheritdoc cref="RouteGlobals.LooseRoute()"/>
bool LooseRoute() => __globals.LooseRoute();
/// <inheritdoc cref="RouteGlobals.MaxFwdProcess(int)"/>
bool MaxFwdProcess(int limit) => __globals.MaxFwdProcess(limit);
/// <inheritdoc cref="RouteGlobals.Plugin{T}()"/>
T Plugin<T>() where T : class => __globals.Plugin<T>();
/// <inheritdoc cref="RouteGlobals.RecordRoute()"/>
void RecordRoute() => __globals.RecordRoute();
/// <inheritdoc cref="RouteGlobals.RemoveHf(string)"/>
int RemoveHf(string name) => __globals.RemoveHf(name);
/// <inheritdoc cref="RouteGlobals.Route(string)"/>
object? Route(string name) => __globals.Route(name);
/// <inheritdoc cref="RouteGlobals.RouteAsync(string)"/>
Task<object?> RouteAsync(string name) => __globals.RouteAsync(name);
/// <inheritdoc cref="RouteGlobals.SlSendReply(int, string)"/>
bool SlSendReply(int code, string reason) => __globals.SlSendReply(code, reason);
/// <inheritdoc cref="RouteGlobals.TCheckTrans()"/>
bool TCheckTrans() => __globals.TCheckTrans();
/// <inheritdoc cref="RouteGlobals.TContinue(uint, uint, string)"/>
bool TContinue(uint tindex, uint tlabel, string route) => __globals.TContinue(tindex, tlabel, route);
/// <inheritdoc cref="RouteGlobals.TContinue(string, string, string)"/>
bool TContinue(string tindex, string tlabel, string route) => __globals.TContinue(tindex, tlabel, route);
/// <inheritdoc cref="RouteGlobals.TOnFailure(string)"/>
void TOnFailure(string route) => __globals.TOnFailure(route);
/// <inheritdoc cref="RouteGlobals.TOnReply(string)"/>
void TOnReply(string route) => __globals.TOnReply(route);
/// <inheritdoc cref="RouteGlobals.TRelay()"/>
bool TRelay() => __globals.TRelay();
/// <inheritdoc cref="RouteGlobals.TRelay(string)"/>
bool TRelay(string uri) => __globals.TRelay(uri);
/// <inheritdoc cref="RouteGlobals.TReply(int, string)"/>
bool TReply(int code, string reason) => __globals.TReply(code, reason);
/// <inheritdoc cref="RouteGlobals.TSuspend()"/>
bool TSuspend() => __globals.TSuspend();
/// <inheritdoc cref="RouteGlobals.Xlog(string)"/>
void Xlog(string text) => __globals.Xlog(text);
/// <inheritdoc cref="RouteGlobals.Xlog(ScriptLogLevel, string)"/>
void Xlog(ScriptLogLevel level, string text) => __globals.Xlog(level, text);
