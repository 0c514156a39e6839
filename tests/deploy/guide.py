"""The deployment guide's Debian 12 block, read the way a person runs it: as commands, in order.

`replay(block)` walks the commands over a model of a fresh Debian 12 host (what exists at
first, what each command needs and what it makes) and returns every command that uses a user,
file, directory, command or database before a step has made it. It knows exactly the commands
the guide uses; any other one is reported too, so a new step cannot slip past unchecked. Files
the clone brings are looked up in this repository, and the systemd units and nginx files the
guide installs are read for what they refer to.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from configparser import ConfigParser
from dataclasses import dataclass, field
from pathlib import Path

from tests.docs.pages import page
from tests.serving import ROOT

# What `apt-get install` brings: commands, users, paths.
PACKAGES = {
    "python3-venv": {"commands": {"python3"}},
    "git": {"commands": {"git"}},
    "nginx": {
        "commands": {"nginx"},
        "paths": {"/etc/nginx/conf.d", "/etc/nginx/sites-enabled/default", "/var/www", "/var/www/html"},
        "services": {"nginx"},
    },
    "certbot": {"commands": {"certbot"}},
    "redis-server": {"services": {"redis-server"}},
    "postgresql": {"commands": {"psql", "createdb"}, "users": {"postgres"}, "services": {"postgresql"}},
}
# A fresh Debian 12 host, before any step.
BASE_COMMANDS = {"apt-get", "useradd", "install", "cp", "rm", "sed", "cat", "echo", "runuser", "systemctl"}
BASE_PATHS = {"/", "/dev/null", "/etc", "/etc/systemd/system", "/srv", "/var", "/var/log", "/usr/sbin/nologin"}


def readme_section() -> str:
    """The deployment guide up to its first subsection (docs/guides/deployment.md)."""
    return page("guides/deployment.md").split("\n## ", 1)[0]


def guide_block() -> str:
    """The first ```sh block of the section: the Debian 12 steps."""
    return re.search(r"```sh\n(.*?)```", readme_section(), re.S).group(1)


@dataclass
class Command:
    line: str
    words: list[str]
    stdin: str = ""  # a heredoc's body
    stdout: str | None = None  # `> path`


def commands(block: str) -> list[list[Command]]:
    """The block's command lines, each a list of simple commands (split at `|` and `&&`)."""
    lines = block.splitlines()
    result: list[list[Command]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        body = ""
        heredoc = re.search(r"<<\s*'?(\w+)'?\s*$", line)
        if heredoc:
            end = lines.index(heredoc.group(1), i)
            body, i = "\n".join(lines[i:end]) + "\n", end + 1
            line = line[: heredoc.start()].rstrip()
        result.append(_pipeline(line, body))
    return result


def _pipeline(line: str, body: str) -> list[Command]:
    assignment = re.fullmatch(r"([A-Za-z_]\w*)=(\$\(.*\)|\S*)(\s+#.*)?", line.strip())
    if assignment:
        return [Command(line, ["=", assignment.group(1), assignment.group(2)])]
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    parts: list[Command] = []
    words: list[str] = []
    tokens = list(lexer)
    stdout = None
    j = 0
    while j < len(tokens):
        token = tokens[j]
        if token in ("|", "&&"):
            parts.append(Command(line, words, stdout=stdout))
            words, stdout = [], None
        elif token == ">":
            stdout = tokens[j + 1]
            j += 1
        else:
            words.append(token)
        j += 1
    parts.append(Command(line, words, stdin=body, stdout=stdout))
    return parts


def env_body(block: str) -> str:
    """The heredoc that writes /etc/flex-auth/env, unexpanded."""
    for pipeline in commands(block):
        for command in pipeline:
            if command.stdout == "/etc/flex-auth/env":
                return command.stdin
    raise AssertionError("the block writes no /etc/flex-auth/env")


def assignments(block: str) -> str:
    """The block's shell variable assignments (DOMAIN=..., DB_PASSWORD=$(...)), as shell lines."""
    return "\n".join(p[0].line for p in commands(block) if p[0].words[0] == "=") + "\n"


def _option(words: list[str], name: str) -> str | None:
    return words[words.index(name) + 1] if name in words else None


def _operands(words: list[str], with_values: tuple[str, ...]) -> list[str]:
    """The words after the command that are neither options nor option values."""
    out, skip = [], False
    for word in words[1:]:
        if skip:
            skip = False
        elif word in with_values:
            skip = True
        elif not word.startswith("-"):
            out.append(word)
    return out


@dataclass
class Host:
    """What exists so far on the host the block runs on."""

    commands: set[str] = field(default_factory=lambda: set(BASE_COMMANDS))
    paths: set[str] = field(default_factory=lambda: set(BASE_PATHS))
    users: set[str] = field(default_factory=lambda: {"root"})
    services: set[str] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)
    databases: set[str] = field(default_factory=set)
    clones: set[str] = field(default_factory=set)  # host paths holding this repository
    nginx_files: dict[str, str] = field(default_factory=dict)  # installed conf -> its text
    nginx_loaded: dict[str, str] = field(default_factory=dict)  # what nginx serves after a reload
    owners: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # path -> (user, group, mode)
    done: set[str] = field(default_factory=set)  # manage.py commands that ran
    variables: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # /etc/flex-auth/env's variables
    cwd: str = "/root"
    problems: list[str] = field(default_factory=list)

    def path(self, value: str) -> str:
        return posixpath.normpath(posixpath.join(self.cwd, value))

    def exists(self, path: str) -> bool:
        if path in self.paths:
            return True
        for clone in self.clones:
            if path == clone or path.startswith(clone + "/"):
                return (ROOT / path[len(clone) :].lstrip("/")).exists()
        return False

    def need(self, line: str, what: str, ok: bool) -> None:
        if not ok:
            self.problems.append(f"{line!r}: {what}")

    def need_path(self, line: str, path: str) -> None:
        self.need(line, f"{path} does not exist yet", self.exists(path))

    def need_user(self, line: str, user: str | None) -> None:
        if user is not None:
            self.need(line, f"user {user} does not exist yet", user in self.users)

    def flex_may(self, line: str, path: str, access: str) -> None:
        """The service user may read ("r") or write ("w") `path`, by what `install` set."""
        user, group, mode = self.owners.get(path, ("root", "root", "755"))
        bit = {"r": 4, "w": 2}[access]
        allowed = (user == "flex" and int(mode[0]) & bit) or (group == "flex" and int(mode[1]) & bit)
        self.need(line, f"flex may not {'read' if access == 'r' else 'write to'} {path}", bool(allowed))

    def make(self, path: str) -> None:
        self.paths.add(path)
        while path not in ("/", ""):  # install -d and the like make the parents too
            path = posixpath.dirname(path)
            self.paths.add(path)


def expand(host: Host, word: str) -> str:
    return re.sub(r"\$(\w+)|\$\{(\w+)\}", lambda m: host.variables.get(m.group(1) or m.group(2), m.group(0)), word)


def replay(block: str) -> list[str]:
    """Every use, in `block`, of something that no earlier step has made."""
    host = Host()
    for pipeline in commands(block):
        piped = ""
        for command in pipeline:
            if piped:
                command.stdin = piped
            run(host, command)
            piped = " ".join(expand(host, w) for w in command.words[1:]) if command.words[0] == "echo" else ""
    return host.problems


def run(host: Host, command: Command) -> None:
    words, line = [expand(host, w) for w in command.words], command.line
    if words[0] == "=":  # NAME=value
        _, name, value = words
        for used in re.findall(r"\$\((\w+)", value):
            host.need(line, f"command {used} is not installed yet", used in host.commands)
        host.variables[name] = value
        return
    if words[0] == "runuser":
        host.need_user(line, _option(words, "-u"))
        run(host, Command(line, words[words.index("--") + 1 :], command.stdin, command.stdout))
        return
    name = posixpath.basename(words[0]) if "/" in words[0] else words[0]
    if "/" in words[0]:
        host.need_path(line, host.path(words[0]))
    elif name != "cd":
        host.need(line, f"command {name} is not installed yet", name in host.commands)
    if command.stdout is not None:
        target = host.path(command.stdout)
        host.need_path(line, posixpath.dirname(target))
        host.make(target)
    for used in re.findall(r"\$\((\w+)", command.stdin):
        host.need(line, f"command {used} is not installed yet", used in host.commands)
    handler = HANDLERS.get(name)
    if handler is None:
        host.problems.append(f"{line!r}: tests/deploy/guide.py does not know {name!r}; teach it what it needs")
        return
    handler(host, line, words, command)


def _apt_get(host: Host, line: str, words: list[str], command: Command) -> None:
    if words[1] != "install":
        return
    for package in _operands(words[1:], ()):
        brings = PACKAGES.get(package)
        host.need(line, f"tests/deploy/guide.py does not know the package {package}", brings is not None)
        for path in (brings or {}).get("paths", ()):
            host.make(path)
        host.commands |= (brings or {}).get("commands", set())
        host.users |= (brings or {}).get("users", set())
        host.services |= (brings or {}).get("services", set())


def _useradd(host: Host, line: str, words: list[str], command: Command) -> None:
    shell = _option(words, "--shell")
    if shell:
        host.need_path(line, shell)
    host.users.add(words[-1])


def _git(host: Host, line: str, words: list[str], command: Command) -> None:
    assert words[1] == "clone", line
    target = host.path(words[-1])
    host.need(line, f"{target} exists already (git clone needs a new directory)", not host.exists(target))
    host.need_path(line, posixpath.dirname(target))
    host.make(target)
    host.clones.add(target)


def _cd(host: Host, line: str, words: list[str], command: Command) -> None:
    host.need_path(line, host.path(words[1]))
    host.cwd = host.path(words[1])


def _python3(host: Host, line: str, words: list[str], command: Command) -> None:
    assert words[1:3] == ["-m", "venv"], line
    venv = host.path(words[3])
    for path in ("bin/python", "bin/pip"):
        host.make(posixpath.join(venv, path))


def _pip(host: Host, line: str, words: list[str], command: Command) -> None:
    assert words[1] == "install", line
    for spec in _operands(words[1:], ()):
        source = host.path(spec.split("[", 1)[0])
        host.need_path(line, posixpath.join(source, "pyproject.toml"))
    host.done.add("pip install")


def _install(host: Host, line: str, words: list[str], command: Command) -> None:
    host.need_user(line, _option(words, "-o"))
    host.need_user(line, _option(words, "-g"))
    operands = [host.path(p) for p in _operands(words, ("-m", "-o", "-g"))]
    owner = (_option(words, "-o") or "root", _option(words, "-g") or "root", _option(words, "-m") or "755")
    if "-d" in words:
        for path in operands:
            host.make(path)
            host.owners[path] = owner
        return
    source, target = operands
    host.need_path(line, source)
    host.need_path(line, posixpath.dirname(target))
    host.make(target)
    host.owners[target] = owner


def _cat(host: Host, line: str, words: list[str], command: Command) -> None:
    if command.stdout and host.path(command.stdout) == "/etc/flex-auth/env":
        # `cat >` keeps an existing file's owner and mode: made first, root:flex 0640.
        host.need(
            line,
            "/etc/flex-auth/env is not made root:flex 0640 first",
            host.owners.get(host.path(command.stdout)) == ("root", "flex", "640"),
        )
        host.env = dict(re.findall(r"^(\w+)=(.*)$", command.stdin, re.M))


def _echo(host: Host, line: str, words: list[str], command: Command) -> None:
    pass  # what it prints is piped into the next command


def _psql(host: Host, line: str, words: list[str], command: Command) -> None:
    host.need(line, "PostgreSQL is not installed yet", "postgresql" in host.services)
    host.roles |= set(re.findall(r"CREATE ROLE (\w+)", command.stdin))


def _createdb(host: Host, line: str, words: list[str], command: Command) -> None:
    owner = _option(words, "--owner")
    host.need(line, f"role {owner} does not exist yet", owner in host.roles)
    host.databases.add(words[-1])


def _manage_sh(host: Host, line: str, words: list[str], command: Command) -> None:
    """deploy/manage.sh: manage.py as flex, with /etc/flex-auth/env; the settings need their files."""
    site = posixpath.dirname(posixpath.dirname(host.path(words[0])))
    host.need_user(line, "flex")
    host.need_path(line, "/etc/flex-auth/env")
    host.flex_may(line, "/etc/flex-auth/env", "r")
    host.need_path(line, posixpath.join(site, ".venv/bin/python"))
    host.need(line, "the package is not pip-installed yet", "pip install" in host.done)
    env = host.env
    for name in ("DJANGO_SETTINGS_MODULE", "FLEX_SIGNING_KEY_FILE"):
        host.need(line, f"/etc/flex-auth/env has no {name}", name in env)
    if env.get("FLEX_SECURITY_LOG"):  # opened when the settings load
        host.need_path(line, posixpath.dirname(env["FLEX_SECURITY_LOG"]))
        host.flex_may(line, posixpath.dirname(env["FLEX_SECURITY_LOG"]), "w")
    subcommand = words[1]
    if subcommand == "flex_generate_signing_key":
        out = host.path(_option(words, "--out"))
        host.need(line, "the key it writes is not FLEX_SIGNING_KEY_FILE", out == env.get("FLEX_SIGNING_KEY_FILE"))
        host.need_path(line, posixpath.dirname(out))
        host.flex_may(line, posixpath.dirname(out), "w")
        host.make(out)
        host.owners[out] = ("flex", "flex", "600")
    elif env.get("FLEX_SIGNING_KEY_FILE"):
        host.need_path(line, env["FLEX_SIGNING_KEY_FILE"])  # the checks read it (flex_auth.E040)
    if subcommand == "migrate":
        database = env.get("DATABASE_URL", "").rsplit("/", 1)[-1]
        host.need(line, f"database {database} does not exist yet", database in host.databases)
    if subcommand == "collectstatic":
        static_root = env.get("DJANGO_STATIC_ROOT", posixpath.join(site, "staticfiles"))
        host.need_path(line, static_root)
        host.flex_may(line, static_root, "w")
    host.done.add(subcommand)


def _cp(host: Host, line: str, words: list[str], command: Command) -> None:
    *sources, target = [host.path(p) for p in _operands(words, ())]
    host.need_path(line, target)
    for source in sources:
        host.need_path(line, source)
        host.make(posixpath.join(target, posixpath.basename(source)))


def _rm(host: Host, line: str, words: list[str], command: Command) -> None:
    for path in _operands(words, ()):
        host.paths.discard(host.path(path))


def _sed(host: Host, line: str, words: list[str], command: Command) -> None:
    script, source = _operands(words, ())
    source = host.path(source)
    host.need_path(line, source)
    match = re.fullmatch(r"s/(.*)/(.*)/g", script)
    if command.stdout and host.exists(source):
        clone = next(c for c in host.clones if source.startswith(c + "/"))
        text = (ROOT / source[len(clone) + 1 :]).read_text()
        host.nginx_files[host.path(command.stdout)] = re.sub(match.group(1), match.group(2), text)


def _nginx(host: Host, line: str, words: list[str], command: Command) -> None:
    assert words[1:] == ["-t"], line
    for path, text in host.nginx_files.items():
        if path not in host.paths:
            continue  # removed
        for referenced in re.findall(r"^\s*ssl_certificate(?:_key)?\s+(\S+);", text, re.M):
            host.need_path(line, referenced)
        for root in re.findall(r"^\s*root\s+(\S+);", text, re.M):
            host.need_path(line, root)


def _systemctl(host: Host, line: str, words: list[str], command: Command) -> None:
    verb, *units = _operands(words, ())
    if verb == "daemon-reload":
        return
    if verb == "reload":
        host.need(line, f"{units} is not installed yet", set(units) <= host.services)
        if units == ["nginx"]:
            host.nginx_loaded = {p: t for p, t in host.nginx_files.items() if p in host.paths}
        return
    assert verb == "enable" and "--now" in words, line
    for unit in units:
        host.need_path(line, f"/etc/systemd/system/{unit}")
        if unit.endswith(".timer"):  # what it starts: the service of the same name
            unit = unit.removesuffix(".timer") + ".service"
            host.need_path(line, f"/etc/systemd/system/{unit}")
        service = unit_file(unit)["Service"]
        host.need_user(line, service.get("User"))
        for key in ("WorkingDirectory", "EnvironmentFile"):
            host.need_path(line, service[key].lstrip("-"))
        for path in service.get("ReadWritePaths", "").split():
            host.need_path(line, path.lstrip("-"))
            host.flex_may(line, path.lstrip("-"), "w")
        host.need_path(line, service["ExecStart"].split()[0])
        for name in ("FLEX_SIGNING_KEY_FILE", "DJANGO_STATIC_ROOT"):
            if host.env.get(name):
                host.need_path(line, host.env[name])
        for step in ("migrate", "collectstatic"):
            host.need(line, f"{unit} starts before `manage.py {step}` ran", step in host.done)


def _certbot(host: Host, line: str, words: list[str], command: Command) -> None:
    webroot, domain = _option(words, "-w"), _option(words, "-d")
    host.need_path(line, webroot)
    served = any(
        re.search(rf"server_name\s+{re.escape(domain)};", text)
        and re.search(r"location \^~ /\.well-known/acme-challenge/ \{\s*root " + re.escape(webroot) + ";", text)
        for text in host.nginx_loaded.values()
    )
    host.need(line, f"nginx does not serve {domain}'s ACME challenges from {webroot} yet", served)
    for name in ("fullchain.pem", "privkey.pem"):
        host.make(f"/etc/letsencrypt/live/{domain}/{name}")


def unit_file(name: str) -> ConfigParser:
    parser = ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string((ROOT / "deploy" / "systemd" / name).read_text())
    return parser


HANDLERS = {
    "apt-get": _apt_get,
    "useradd": _useradd,
    "git": _git,
    "cd": _cd,
    "python3": _python3,
    "pip": _pip,
    "install": _install,
    "cat": _cat,
    "echo": _echo,
    "psql": _psql,
    "createdb": _createdb,
    "manage.sh": _manage_sh,
    "cp": _cp,
    "rm": _rm,
    "sed": _sed,
    "nginx": _nginx,
    "systemctl": _systemctl,
    "certbot": _certbot,
}


def systemd_environment_file(text: str) -> dict[str, str]:
    """An EnvironmentFile= as systemd 252 (Debian 12) reads it: its env-file parser's states.

    `NAME=value` lines; `#` and `;` start comment lines (never inside a value); whitespace
    around names and unquoted values is dropped; '...' is literal, "..." unescapes only
    \\" \\\\ \\` \\$; a backslash outside quotes takes the next character literally (before a
    newline: a continuation). No `$VAR` expansion, no word splitting: a space stays in the value.
    """
    values: dict[str, str] = {}
    state, key, value, trailing = "pre_key", "", "", None

    def push() -> None:
        nonlocal key, value
        name = key.rstrip()
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):  # systemd drops invalid names
            values[name] = value
        key, value = "", ""

    for c in text:
        if state == "pre_key":
            if c in "#;":
                state = "comment"
            elif not c.isspace():
                state, key = "key", c
        elif state == "key":
            if c == "\n":
                state, key = "pre_key", ""
            elif c == "=":
                state, trailing = "pre_value", None
            else:
                key += c
        elif state == "pre_value":
            if c == "\n":
                state = "pre_key"
                push()
            elif c == "'":
                state = "single"
            elif c == '"':
                state = "double"
            elif c == "\\":
                state = "escape"
            elif not c.isspace():
                state, value = "value", value + c
        elif state == "value":
            if c == "\n":
                if trailing is not None:
                    value = value[:trailing]
                state = "pre_key"
                push()
            elif c == "\\":
                state, trailing = "escape", None
            else:
                if not c.isspace():
                    trailing = None
                elif trailing is None:
                    trailing = len(value)
                value += c
        elif state == "escape":
            state = "value"
            if c != "\n":
                value += c
        elif state == "single":
            if c == "'":
                state = "pre_value"
            else:
                value += c
        elif state == "double":
            if c == '"':
                state = "pre_value"
            elif c == "\\":
                state = "double_escape"
            else:
                value += c
        elif state == "double_escape":
            state = "double"
            if c in '"\\`$':
                value += c
            elif c != "\n":
                value += "\\" + c
        elif state == "comment":
            if c == "\\":
                state = "comment_escape"
            elif c == "\n":
                state = "pre_key"
        elif state == "comment_escape":
            state = "comment"  # systemd 252: a comment ending in a backslash goes on
    if state in ("pre_value", "value", "escape", "single", "double", "double_escape"):
        if state == "value" and trailing is not None:
            value = value[:trailing]
        push()
    return values


def shell_environment_file(path: Path) -> tuple[dict[str, str], str]:
    """What `set -a; . FILE` gives a POSIX shell (Debian's dash): the variables and stderr."""
    import subprocess

    script = 'set -a; . "$1"; set +a; exec env -0'
    result = subprocess.run(
        ["sh", "-c", script, "sh", str(path)],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        timeout=30,
    )
    pairs = [item.split("=", 1) for item in result.stdout.decode().split("\0") if "=" in item]
    ignored = {"PATH", "PWD", "OLDPWD", "SHLVL", "_"}
    return {k: v for k, v in pairs if k not in ignored}, result.stderr.decode() + (
        f"exit status {result.returncode}" if result.returncode else ""
    )
