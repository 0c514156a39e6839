"""Sphinx extension: the parts of the reference that are read from the code at build time.

- ``{flex-command} NAME``: a management command's help, usage and options, from its own
  argparse parser (the options Django adds to every command are left out).
- ``{flex-urls} MODULE``: the routes of a URLconf module, with their URL names and views.
- ``openapi.json``: `flex_auth_django.protocol.openapi.document()` written next to the pages
  (``_generated/openapi.json``, linked from the endpoints reference).

tests/docs/ checks that every command, setting, check id and signal has its entry.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive

GENERATED = Path(__file__).resolve().parent.parent / "_generated"

# Options every Django command has; the reference names them once, not per command.
DJANGO_OPTIONS = {
    "-h",
    "--version",
    "-v",
    "--settings",
    "--pythonpath",
    "--traceback",
    "--no-color",
    "--force-color",
    "--skip-checks",
}


def command_parser(name: str) -> argparse.ArgumentParser:
    from django.core.management import load_command_class

    return load_command_class("flex_auth_django", name).create_parser("manage.py", name)


def own_actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """The options and arguments the command itself adds."""
    return [a for a in parser._actions if not (set(a.option_strings) & DJANGO_OPTIONS)]


def _invocation(action: argparse.Action) -> str:
    if not action.option_strings:
        return action.metavar or action.dest
    if action.nargs == 0:
        return ", ".join(action.option_strings)
    metavar = action.metavar or (
        "{" + ",".join(map(str, action.choices)) + "}" if action.choices else action.dest.upper()
    )
    return ", ".join(f"{option} {metavar}" for option in action.option_strings)


class CommandDirective(Directive):
    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        parser = command_parser(name)
        out: list[nodes.Node] = []
        if parser.description:
            out.append(nodes.paragraph(text=parser.description))
        # The usage line with the command's own options (Django's common ones are said once, above).
        slim = argparse.ArgumentParser(prog=parser.prog, add_help=False)
        for action in own_actions(parser):
            slim._add_action(action)
        usage = slim.format_usage().removeprefix("usage: ").strip() + " [common options]"
        out.append(nodes.literal_block(usage, usage, language="text"))
        items = nodes.bullet_list()
        for action in own_actions(parser):
            item = nodes.list_item()
            para = nodes.paragraph()
            para += nodes.literal(text=_invocation(action))
            help_text = (action.help or "").replace("%(default)s", str(action.default)) if action.help else ""
            if help_text and help_text != argparse.SUPPRESS:
                para += nodes.Text(f": {help_text}")
            if action.required:
                para += nodes.Text(" (required)")
            item += para
            items += item
        if len(items):
            out.append(items)
        return out


class UrlsDirective(Directive):
    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        from importlib import import_module

        module = import_module(self.arguments[0])
        table = nodes.table()
        group = nodes.tgroup(cols=3)
        table += group
        for _ in range(3):
            group += nodes.colspec(colwidth=1)
        head, body = nodes.thead(), nodes.tbody()
        group += head
        group += body
        head += _row(["Route (under the include's prefix)", "URL name", "View"])
        namespace = getattr(module, "app_name", "")
        for pattern in module.urlpatterns:
            view = pattern.callback
            view_class = getattr(view, "view_class", view)
            route = str(pattern.pattern).removeprefix("^").removesuffix("$").replace("/?", "[/]").replace("\\.", ".")
            body += _row([route, f"{namespace}:{pattern.name}", f"{view_class.__module__}.{view_class.__qualname__}"])
        return [table]


def _row(cells: list[str]) -> nodes.row:
    row = nodes.row()
    for text in cells:
        entry = nodes.entry()
        entry += nodes.paragraph("", "", nodes.literal(text=text))
        row += entry
    return row


def write_openapi(app: Any) -> None:
    from flex_auth_django.protocol.openapi import document

    GENERATED.mkdir(exist_ok=True)
    text = json.dumps(document(server_url="https://auth.example.com/oauth/"), indent=2, sort_keys=False)
    target = GENERATED / "openapi.json"
    if not target.exists() or target.read_text() != text + "\n":
        target.write_text(text + "\n")


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("flex-command", CommandDirective)
    app.add_directive("flex-urls", UrlsDirective)
    app.connect("builder-inited", write_openapi)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
