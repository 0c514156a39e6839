"""No import cycles in flex_auth_django, counting imports inside functions too.

A cycle that works today by import order breaks the day someone imports the modules in
another order; a function-level import that hides one is the same cycle, deferred. The
graph is read from the source with `ast`, so nothing is imported to build it.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "flex_auth_django"
ROOT = Path(__file__).resolve().parents[2] / PACKAGE


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in ROOT.rglob("*.py") if "migrations" not in path.relative_to(ROOT).parts}


def _resolve(importer: str, is_package: bool, level: int, name: str | None) -> str:
    if level == 0:
        return name or ""
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, name] if name else base)


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules `name` imports anywhere in its source, with the packages they live in."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(name, is_package, node.level, node.module)
            # `from pkg import mod` imports pkg and, when it is a module, pkg.mod.
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for target in targets:
            # Importing a.b.c runs a/__init__ and a/b/__init__ first. A package the importer lives
            # in is already being imported when the importer runs, so it adds no edge.
            parts = target.split(".")
            for depth in range(2, len(parts) + 1):
                module = ".".join(parts[:depth])
                if module in known and not name.startswith(module + "."):
                    found.add(module)
    found.discard(name)
    return found


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(name, path, known) for name, path in found.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return result


def test_the_package_has_no_import_cycles():
    edges = graph()
    assert len(edges) > 30  # the walk found the package
    assert cycles(edges) == []


def test_the_checker_finds_a_cycle_hidden_in_a_function(tmp_path):
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(edges) == [["a", "b", "c"]]
    source = "def late():\n    from .models import Application\n"
    known = {"pkg", "pkg.models", "pkg.grants"}
    path = tmp_path / "grants.py"
    path.write_text(source)
    assert imports_of("pkg.grants", path, known) == {"pkg.models"}


# -- the wings ----------------------------------------------------------------------------
# Modules outside dot/ that may import it: the app config registers its hooks, and management
# commands (flex_adopt_dot, the migrate guard) are its front door.
MAY_IMPORT_DOT = ("flex_auth_django.apps", "flex_auth_django.management.commands.")
# Where django-oauth-toolkit and oauthlib may be imported: its wing, the swapped-model seam, migrations.
MAY_IMPORT_OAUTH_LIBRARIES = ("flex_auth_django.dot", "flex_auth_django.models")
OAUTH_LIBRARIES = ("oauth2_provider", "oauthlib")


def core_imports_of_dot(edges: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(importer, dot module) for every import of the dot wing from outside it, but where allowed."""
    found = []
    for importer, targets in edges.items():
        if importer == f"{PACKAGE}.dot" or importer.startswith(f"{PACKAGE}.dot."):
            continue
        if importer == MAY_IMPORT_DOT[0] or importer.startswith(MAY_IMPORT_DOT[1]):
            continue
        found += [(importer, t) for t in sorted(targets) if t == f"{PACKAGE}.dot" or t.startswith(f"{PACKAGE}.dot.")]
    return found


def external_imports(path: Path) -> set[str]:
    """Top-level names of the packages a source file imports from outside (absolute imports only)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_core_imports_nothing_of_the_dot_wing():
    assert core_imports_of_dot(graph()) == []


def test_the_checker_finds_a_core_import_of_dot():
    edges = {
        f"{PACKAGE}.tokens.lookup": {f"{PACKAGE}.dot.refresh_tokens"},
        f"{PACKAGE}.apps": {f"{PACKAGE}.dot"},
        f"{PACKAGE}.dot.checks": {f"{PACKAGE}.models"},
    }
    assert core_imports_of_dot(edges) == [(f"{PACKAGE}.tokens.lookup", f"{PACKAGE}.dot.refresh_tokens")]


def test_django_oauth_toolkit_and_oauthlib_only_in_their_wing():
    offenders = []
    for name, path in modules().items():
        if name == MAY_IMPORT_OAUTH_LIBRARIES[1] or name.startswith(MAY_IMPORT_OAUTH_LIBRARIES[0]):
            continue
        if external_imports(path) & set(OAUTH_LIBRARIES):
            offenders.append(name)
    assert offenders == []


def test_the_top_level_holds_only_the_conventional_modules():
    top = sorted(path.name for path in ROOT.glob("*.py"))
    assert len(top) <= 14, top
