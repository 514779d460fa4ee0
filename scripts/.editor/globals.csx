// Generated from ScriptedSip.Sdk's RouteGlobals for editor completion. The server ignores this file:
// scripts compile against the real globals. Regenerate: UPDATE_EDITOR_STUB=1 dotnet test --filter EditorStub
#r "../../host/ScriptedSip.Sdk/bin/Debug/net10.0/ScriptedSip.Sdk.dll"
using System.Collections.Concurrent;
using ScriptedSip.Sdk.Scripting;

static RouteGlobals __globals = null!;
string? Ci => __globals.Ci;
string? Fu => __globals.Fu;
string Mb => __globals.Mb;
ReadOnlyMemory<byte> MbBytes => __globals.MbBytes;
string? Rm => __globals.Rm;
string? Rr => __globals.Rr;
int Rs => __globals.Rs;
string? Ru { get => __globals.Ru; set => __globals.Ru = value; }
ConcurrentDictionary<string, object?> Shv => __globals.Shv;
string Si => __globals.Si;
int Sp => __globals.Sp;
uint TIndex => __globals.TIndex;
uint TLabel => __globals.TLabel;
string? Tu => __globals.Tu;
IDictionary<string, object?> Var => __globals.Var;
bool AppendHf(string text) => __globals.AppendHf(text);
bool AsyncRoute(string route, int seconds) => __globals.AsyncRoute(route, seconds);
bool AsyncRoute(string route, string seconds) => __globals.AsyncRoute(route, seconds);
Task AsyncSleep(int seconds) => __globals.AsyncSleep(seconds);
void Drop() => __globals.Drop();
void Exit() => __globals.Exit();
bool Forward() => __globals.Forward();
bool Forward(string uri) => __globals.Forward(uri);
bool HasToTag() => __globals.HasToTag();
string? Hdr(string name) => __globals.Hdr(name);
IReadOnlyList<string> HdrAll(string name) => __globals.HdrAll(name);
bool IsMethod(string methods) => __globals.IsMethod(methods);
bool IsMyself(string? uri) => __globals.IsMyself(uri);
bool LooseRoute() => __globals.LooseRoute();
bool MaxFwdProcess(int limit) => __globals.MaxFwdProcess(limit);
T Plugin<T>() where T : class => __globals.Plugin<T>();
void RecordRoute() => __globals.RecordRoute();
int RemoveHf(string name) => __globals.RemoveHf(name);
object? Route(string name) => __globals.Route(name);
Task<object?> RouteAsync(string name) => __globals.RouteAsync(name);
bool SlSendReply(int code, string reason) => __globals.SlSendReply(code, reason);
bool TCheckTrans() => __globals.TCheckTrans();
bool TContinue(uint tindex, uint tlabel, string route) => __globals.TContinue(tindex, tlabel, route);
bool TContinue(string tindex, string tlabel, string route) => __globals.TContinue(tindex, tlabel, route);
void TOnFailure(string route) => __globals.TOnFailure(route);
void TOnReply(string route) => __globals.TOnReply(route);
bool TRelay() => __globals.TRelay();
bool TRelay(string uri) => __globals.TRelay(uri);
bool TReply(int code, string reason) => __globals.TReply(code, reason);
bool TSuspend() => __globals.TSuspend();
void Xlog(string text) => __globals.Xlog(text);
void Xlog(int level, string text) => __globals.Xlog(level, text);
