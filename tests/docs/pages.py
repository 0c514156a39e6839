"""The docs site's pages, read the way the tests that run their examples need them."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
DOCS = ROOT / "docs"


def page(path: str) -> str:
    """A page of the site, by its path under docs/ (e.g. "guides/deployment.md")."""
    return (DOCS / path).read_text()


def section(path: str, heading: str) -> str:
    """The text under `heading` (a whole heading line, e.g. "## Try it"), up to the next
    heading of the same or a higher level; headings inside code blocks do not count."""
    text = page(path) if path != "README.md" else (ROOT / "README.md").read_text()
    level = len(heading) - len(heading.lstrip("#"))
    lines, out, inside, fence = text.splitlines(), [], False, False
    for line in lines:
        if line.startswith("```"):
            fence = not fence
        is_heading = not fence and re.match(r"#{1,6} ", line)
        if inside and is_heading and len(line) - len(line.lstrip("#")) <= level:
            break
        if inside:
            out.append(line)
        elif is_heading and line.strip() == heading:
            inside = True
    assert inside, f"{path} has no heading {heading!r}"
    return "\n".join(out) + "\n"


def blocks(text: str, language: str) -> list[str]:
    """Every fenced block of `language` in `text`, in order."""
    return re.findall(rf"^```{re.escape(language)}\n(.*?)^```", text, re.S | re.M)


def block(path: str, heading: str, language: str, after: str = "") -> str:
    """The first `language` block under `heading` (after the text `after`, when given)."""
    text = section(path, heading)
    if after:
        assert after in text, f"{path} {heading!r} has no {after!r}"
        text = text.split(after, 1)[1]
    found = blocks(text, language)
    assert found, f"{path} {heading!r} has no ```{language} block"
    return found[0]
