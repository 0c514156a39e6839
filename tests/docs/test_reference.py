"""The reference pages against the code: every setting, check id, management command and signal
has its entry (and no entry names one that does not exist), so the docs cannot drift again."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from flex_auth_django import signals
from flex_auth_django.settings import SETTINGS
from tests.docs.pages import ROOT, page

PACKAGE = ROOT / "flex_auth_django"


def table_rows(text: str) -> list[list[str]]:
    """The cells of every Markdown table row whose first cell is a code span."""
    return [
        [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        for line in text.splitlines()
        if line.startswith("| `")
    ]


# -- settings ------------------------------------------------------------------------------------


def settings_rows() -> dict[str, list[str]]:
    rows = table_rows(page("reference/settings.md"))
    return {re.fullmatch(r"`(\w+)`", row[0]).group(1): row for row in rows if re.fullmatch(r"`(\w+)`", row[0])}


def test_every_setting_has_a_row_and_every_row_is_a_setting():
    documented = settings_rows()
    assert sorted(set(SETTINGS) - set(documented)) == [], "settings without a row in docs/reference/settings.md"
    assert sorted(set(documented) - set(SETTINGS)) == [], "rows in docs/reference/settings.md for no setting"


def normalised(value):
    if isinstance(value, tuple | list):
        return [normalised(v) for v in value]
    if isinstance(value, dict):
        return {k: normalised(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_a_documented_default_is_the_code_default(name):
    """The default cell's first code span, when it is a Python literal, is the default itself."""
    cell = settings_rows()[name][1]
    default = SETTINGS[name][0]
    literal = re.match(r"`([^`]*)`", cell)
    if literal is None:  # prose ("the six grants") is checked by hand
        assert not isinstance(default, int | str | bool) or default is None, f"{name}: say the default as `{default!r}`"
        return
    try:
        shown = ast.literal_eval(literal.group(1))
    except (ValueError, SyntaxError):
        pytest.fail(f"{name}: the default cell {cell!r} does not start with a Python literal")
    assert normalised(shown) == normalised(default), f"{name}: documented {shown!r}, the code says {default!r}"


def test_grant_classes_row_names_every_default_grant():
    cell = settings_rows()["GRANT_CLASSES"][2]
    for path in SETTINGS["GRANT_CLASSES"][0]:
        assert path.rsplit(".", 1)[1] in cell, path


# -- check ids -----------------------------------------------------------------------------------

CHECK_ID = re.compile(r"flex_auth\.[EW]\d{3}")


def check_ids_in_code() -> set[str]:
    """Every check id the package's source names (check messages and the settings' shapes)."""
    return {found for path in PACKAGE.rglob("*.py") for found in CHECK_ID.findall(path.read_text())}


def test_the_check_ids_found_are_the_registered_checks_ids():
    """The grep finds the ids the registered check functions emit (the search is not too narrow)."""
    from django.core.checks.registry import registry

    every = [*registry.registered_checks, *registry.deployment_checks]
    ours = [check for check in every if check.__module__.startswith("flex_auth_django")]
    assert len(ours) >= 10
    for check in ours:
        source = Path(check.__code__.co_filename).read_text()
        assert set(CHECK_ID.findall(source)) <= check_ids_in_code()
    assert len(check_ids_in_code()) >= 39


def test_every_check_id_has_a_row_and_every_row_is_a_check():
    rows = table_rows(page("reference/checks.md"))
    documented = [re.fullmatch(r"`(flex_auth\.[EW]\d{3})`", row[0]).group(1) for row in rows]
    assert len(documented) == len(set(documented)), "a check id with two rows"
    assert sorted(check_ids_in_code() - set(documented)) == [], "check ids without a row in docs/reference/checks.md"
    assert sorted(set(documented) - check_ids_in_code()) == [], "rows in docs/reference/checks.md for no check"
    for row in rows:
        assert row[1] in ("check", "deploy"), row


# -- management commands -------------------------------------------------------------------------


def commands() -> set[str]:
    return {p.stem for p in (PACKAGE / "management" / "commands").glob("*.py") if p.stem != "__init__"}


def test_every_command_has_a_section_and_every_section_is_a_command():
    text = page("reference/commands.md")
    sections = set(re.findall(r"^## `(\w+)`$", text, re.M))
    assert sorted(commands() - sections) == [], "commands without a section in docs/reference/commands.md"
    assert sorted(sections - commands()) == [], "sections in docs/reference/commands.md for no command"


def test_every_command_of_ours_renders_its_parser():
    """Each section of a command of our own (not the migrate override) renders its options from the parser."""
    text = page("reference/commands.md")
    for name in commands() - {"migrate"}:
        section = text.split(f"## `{name}`\n", 1)[1].split("\n## ", 1)[0]
        assert f"```{{flex-command}} {name}\n```" in section, name


def test_the_parser_reader_sees_each_commands_own_options():
    """What the page's directive renders: the options a command adds, not Django's common ones."""
    import sys

    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    try:
        from flex_docs import command_parser, own_actions
    finally:
        sys.path.remove(str(ROOT / "docs" / "_ext"))
    options = {o for action in own_actions(command_parser("flex_clear_tokens")) for o in action.option_strings}
    assert options == {"--batch-size", "--pause", "--dry-run"}


# -- signals -------------------------------------------------------------------------------------


def signal_names() -> set[str]:
    from django.dispatch import Signal

    return {name for name, value in vars(signals).items() if isinstance(value, Signal)}


def sent_arguments() -> dict[str, set[str]]:
    """The keyword arguments of every `signals.<name>.send(...)` in the package, by signal; a
    `**context` is resolved to the keys of the dict literal `context` names in the same function."""
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            dicts = {
                target.id: {k.value for k in node.value.keys if isinstance(k, ast.Constant)}
                for node in ast.walk(function)
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
                for target in node.targets
                if isinstance(target, ast.Name)
            }
            for call in ast.walk(function):
                if not (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr in ("send", "send_robust")
                    and isinstance(call.func.value, ast.Attribute)
                    and call.func.value.attr in signal_names()
                ):
                    continue
                names = set()
                for keyword in call.keywords:
                    if keyword.arg is None:
                        assert isinstance(keyword.value, ast.Name) and keyword.value.id in dicts, ast.unparse(call)
                        names |= dicts[keyword.value.id]
                    elif keyword.arg != "sender":
                        names.add(keyword.arg)
                found.setdefault(call.func.value.attr, set()).update(names)
    return found


def documented_signals() -> dict[str, set[str]]:
    text = page("reference/signals.md")
    out = {}
    for name, body in re.findall(r"^## `(\w+)`\n(.*?)(?=^## |\Z)", text, re.M | re.S):
        arguments = re.search(r"^Arguments: (.*)\.$", body, re.M)
        assert arguments, f"signal {name}: no 'Arguments: ...' line"
        out[name] = set(re.findall(r"`(\w+)`", arguments.group(1)))
    return out


def test_every_signal_has_a_section_and_every_section_is_a_signal():
    documented = documented_signals()
    assert sorted(signal_names() - set(documented)) == [], "signals without a section in docs/reference/signals.md"
    assert sorted(set(documented) - signal_names()) == [], "sections in docs/reference/signals.md for no signal"


def test_every_signal_is_sent_with_the_arguments_its_section_lists():
    sent = sent_arguments()
    assert sorted(sent) == sorted(signal_names()), "a signal that nothing sends (or the search missed it)"
    for name, arguments in documented_signals().items():
        assert arguments == sent[name], f"{name}: documented {sorted(arguments)}, sent with {sorted(sent[name])}"


# -- release notes -------------------------------------------------------------------------------

UPGRADING_HEADINGS = ("### Migrations", "### Settings and import paths", "### Behaviour changes", "### Steps")


def test_every_release_since_the_first_has_an_upgrading_section():
    releases = re.findall(r"^## \[([^\]]+)\]", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert releases[0] == "Unreleased" and releases[-1] == "0.1.0"
    text = page("upgrading.md")
    sections = dict(re.findall(r"^## ([^\n]+)\n(.*?)(?=^## |\Z)", text, re.M | re.S))
    for release in releases[:-1]:  # the first release upgrades from nothing
        wanted = "unreleased" if release == "Unreleased" else f"to {release}"
        matching = [body for title, body in sections.items() if wanted in title.lower()]
        assert matching, f"docs/upgrading.md has no section for {release}"
        for heading in UPGRADING_HEADINGS:
            assert f"\n{heading}\n" in "\n" + matching[0], f"{release}: no {heading!r}"


# -- file paths ----------------------------------------------------------------------------------


def test_every_repository_path_the_docs_name_exists():
    """`tests/...`, `deploy/...`, `bench/...` and `example_project/...` paths in code spans are real files."""
    named = re.compile(r"`((?:tests|deploy|bench|example_project)/[\w./-]+\.(?:py|sh|js|md|conf|json|service|timer))`")
    texts = {path: page(path) for path in ("getting-started.md", "development.md")}
    texts |= {str(p.relative_to(ROOT / "docs")): p.read_text() for p in (ROOT / "docs").glob("*/*.md")}
    texts["README.md"] = (ROOT / "README.md").read_text()
    missing = [f"{where}: {path}" for where, text in texts.items() for path in named.findall(text)]
    assert [m for m in missing if not (ROOT / m.split(": ", 1)[1]).exists()] == []
    assert missing, "the pattern found no path at all"
