"""Sphinx extension: the parts of the reference that are read from the code at build time.

- ``{flex-command} NAME``: a management command's help, usage and options, from its own
  argparse parser (the options Django adds to every command are left out).
- ``{flex-urls} MODULE``: the routes of a URLconf module, with their URL names and views.
- ``performance-targets.svg``: the performance guide's targets table as a chart.
- ``openapi.json``: `flex_auth_django.protocol.openapi.document()` written next to the pages
  (``_generated/openapi.json``, linked from the endpoints reference).

tests/docs/ checks that every command, setting, check id and signal has its entry.
"""

from __future__ import annotations

import argparse
import html
import json
import re
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


def _ratio(cell: str) -> float | None:
    match = re.search(r"(\d+(?:\.\d+)?)\s*(x|%)", cell)
    if match is None:
        return None
    return float(match.group(1)) / (100 if match.group(2) == "%" else 1)


def write_targets_chart(app: Any) -> None:
    """guides/performance.md's targets table as a bar chart: each measured ratio against its target."""
    text = (Path(app.srcdir) / "guides" / "performance.md").read_text()
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) == 4 and cells[1].startswith(">="):
            target, measured = _ratio(cells[1]), _ratio(cells[2])
            if target and measured is not None:
                rows.append((re.sub(r"`", "", cells[0]), target, measured))
    width, label, bar, height = 860, 430, 360, 30
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height * len(rows) + 40}" '
        'font-family="sans-serif" font-size="12">',
        f'<text x="{label}" y="14">measured / target (the line is the target)</text>',
    ]
    for i, (name, target, measured) in enumerate(rows):
        y = 24 + i * height
        share = min(measured / target, 2.0)
        colour = "#2e7d32" if measured >= target else "#c62828"
        out.append(f'<text x="0" y="{y + 15}">{html.escape(name[:70])}</text>')
        out.append(f'<rect x="{label}" y="{y + 3}" width="{share * bar / 2:.1f}" height="16" fill="{colour}"/>')
        out.append(f'<line x1="{label + bar / 2}" y1="{y}" x2="{label + bar / 2}" y2="{y + 22}" stroke="#000"/>')
        out.append(f'<text x="{label + share * bar / 2 + 4:.1f}" y="{y + 15}">{measured:g} vs {target:g}</text>')
    out.append("</svg>")
    GENERATED.mkdir(exist_ok=True)
    (GENERATED / "performance-targets.svg").write_text("\n".join(out) + "\n")


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("flex-command", CommandDirective)
    app.add_directive("flex-urls", UrlsDirective)
    app.connect("builder-inited", write_openapi)
    app.connect("builder-inited", write_targets_chart)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
