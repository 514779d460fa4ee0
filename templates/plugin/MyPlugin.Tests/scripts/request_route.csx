// A route that uses the plugin: friends are greeted, anyone else is refused.
var greeter = Plugin<MyPlugin.Greeter>();
if (greeter.IsFriend(Fu!))
{
    SlSendReply(200, greeter.Hello(Fu!));
}
else
{
    SlSendReply(403, "not a friend");
}
