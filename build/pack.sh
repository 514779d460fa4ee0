#!/usr/bin/env bash
# Packs ScriptedSip.Sdk, ScriptedSip.Testing and ScriptedSip.Templates into artifacts/packages
# (a local folder feed). VERSION overrides the version of Directory.Build.props.
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/packages
mkdir -p "$out"
version_args=()
if [[ -n "${VERSION:-}" ]]; then
  version_args=("-p:Version=$VERSION")
fi
for project in host/ScriptedSip.Sdk host/ScriptedSip.Testing templates; do
  dotnet pack "$project" -c Release -o "$out" -p:ContinuousIntegrationBuild=true "${version_args[@]}" --nologo -v:q
done
ls -1 "$out"
