global using NUnit.Framework;
global using ScriptedSip.Testing;
