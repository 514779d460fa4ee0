#!/usr/bin/env python3
"""Build a ScriptedSip content root for one bench run (scenarios G, H, I).

Usage: content_root.py SRC DST PLUGINS_DIR [--plugin NAME]... [--users CSV] [--set KEY=VALUE]...

  SRC          bench/deploy/<scenario>: hostsettings.json and scripts/
  DST          created afresh (the run folder's content root)
  PLUGINS_DIR  the repository's plugins/ (each plugin builds into plugins/NAME/NAME.dll)
  --plugin     link PLUGINS_DIR/NAME as DST/plugins/NAME; only these plugins are loaded
  --users      "user;password" lines (a first line SEQUENTIAL is skipped) written into
               Plugins:Auth:Users of DST/hostsettings.json
  --set        KEY=VALUE with a colon path (Plugins:Dispatcher:Sets:1:0:Uri=sip:...); a
               number in the path is a list index when the parent is a list

Exit status 2 with a message on any problem (missing plugin build, bad JSON, bad key).
"""
import json
import os
import shutil
import sys


def fail(message: str) -> None:
    print(f"content_root: {message}", file=sys.stderr)
    sys.exit(2)


def set_path(root: dict, key: str, value: str) -> None:
    parts = key.split(":")
    node = root
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                fail(f"--set {key}: '{part}' is no index of the list there")
            index = int(part)
            if last:
                node[index] = value
            else:
                node = node[index]
        else:
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})


def read_users(path: str) -> dict:
    users = {}
    with open(path, encoding="ascii") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or (n == 1 and line == "SEQUENTIAL"):
                continue
            fields = line.split(";")
            if len(fields) < 2 or not fields[0]:
                fail(f"{path}:{n}: expected 'user;password'")
            users[fields[0]] = fields[1]
    return users


def main(argv: list) -> None:
    if len(argv) < 4:
        fail("usage: content_root.py SRC DST PLUGINS_DIR [--plugin NAME]... [--users CSV] [--set KEY=VALUE]...")
    src, dst, plugins_dir = argv[1:4]
    plugins, users_file, settings = [], None, []
    rest = argv[4:]
    while rest:
        option = rest.pop(0)
        if not rest:
            fail(f"{option} needs a value")
        value = rest.pop(0)
        if option == "--plugin":
            plugins.append(value)
        elif option == "--users":
            users_file = value
        elif option == "--set" and "=" in value:
            settings.append(value.split("=", 1))
        else:
            fail(f"unknown option {option} {value}")

    if os.path.exists(dst):
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    os.makedirs(os.path.join(dst, "plugins"), exist_ok=True)
    for name in plugins:
        folder = os.path.abspath(os.path.join(plugins_dir, name))
        if not os.path.isfile(os.path.join(folder, name + ".dll")):
            fail(f"plugin {name} is not built ({folder}/{name}.dll is missing; dotnet build -c Release host/ScriptedSip.Host builds it)")
        os.symlink(folder, os.path.join(dst, "plugins", name))

    settings_path = os.path.join(dst, "hostsettings.json")
    try:
        with open(settings_path, encoding="utf-8") as f:
            config = json.load(f)
    except (OSError, ValueError) as e:
        fail(f"{settings_path}: {e}")
    if users_file:
        config.setdefault("Plugins", {}).setdefault("Auth", {})["Users"] = read_users(users_file)
    for key, value in settings:
        set_path(config, key, value)
    with open(settings_path, "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv)
