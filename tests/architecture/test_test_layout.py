"""The tests' own layout (tests/README.md): folders are parts, environments are marks, helpers are written once."""

from __future__ import annotations

import ast
import re
import tomllib

import pytest

from tests.serving import ROOT

TESTS = ROOT / "tests"
README = (TESTS / "README.md").read_text()
MARKERS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["markers"]
# The shared helpers and the one module each may live in.
SHARED = {
    "bearer": "tests/helpers.py",
    "basic": "tests/helpers.py",
    "login": "tests/helpers.py",
    "password_grant": "tests/helpers.py",
    "client_credentials": "tests/helpers.py",
    "refresh_grant": "tests/helpers.py",
    "exchange": "tests/helpers.py",
    "b64url": "tests/helpers.py",
    "Endpoint": "tests/helpers.py",
    "check_deploy": "tests/deploy/conftest.py",
    "node_with": "tests/sdk/__init__.py",
}


def table_names(heading: str) -> set[str]:
    """The first column's `names` of the table under `heading` in tests/README.md."""
    section = README.split(heading, 1)[1].split("\n## ", 1)[0]
    return {m.group(1).rstrip("/") for m in re.finditer(r"^\| `([^`]+)` \|", section, re.M)}


def test_every_test_folder_is_a_part_named_in_the_readme():
    folders = {
        path.parent.relative_to(TESTS).parts[0]
        for path in TESTS.glob("*/**/test_*.py")
        if "node_modules" not in path.parts
    }
    assert folders == table_names("## One axis for folders")


def test_every_registered_mark_is_described_in_the_readme():
    registered = {line.split(":", 1)[0] for line in MARKERS}
    assert registered == table_names("## Marks")


def modules():
    for path in sorted(TESTS.rglob("*.py")):
        if "node_modules" not in path.parts:
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text())


@pytest.mark.parametrize("name", sorted(SHARED))
def test_a_shared_helper_is_defined_once(name):
    defined = [
        module
        for module, tree in modules()
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == name
    ]
    assert defined == [SHARED[name]]
