"""Sphinx configuration: Furo, MyST Markdown pages, autodoc for the Python API.

Built by `make docs` (strict: every warning is an error, internal links and cross-references
included) and by Read the Docs from `.readthedocs.yaml`. Nothing is fetched at build time: no
intersphinx, no web fonts (Furo uses the system's), no remote images.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path[:0] = [str(ROOT), str(DOCS / "_ext")]

# Autodoc imports the package's modules, which need a configured Django.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "docs_settings")
import django  # noqa: E402

django.setup()

import flex_auth_django  # noqa: E402

project = "flex-auth-django"
author = "The flex-auth-django maintainers"
copyright = "the flex-auth-django maintainers"  # noqa: A001 (Sphinx's name)
release = flex_auth_django.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "flex_docs",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "README.md"]

# MyST: `[text](page.md#heading)` links are checked (a missing page or heading warns, and
# warnings fail the build); headings up to level 3 get anchors.
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# Cross-references to Python objects must resolve (nitpicky), except the ones into
# libraries this build has no inventory of (no intersphinx: the build is offline).
nitpicky = True
nitpick_ignore_regex = [
    ("py:class", r"(django|rest_framework|oauth2_provider|oauthlib|jwt|cryptography)\..*"),
    ("py:class", r"(Any|Callable|Iterable|Iterator|Mapping|Sequence|Self|NoneType|datetime\..*)"),
    ("py:class", r"(collections\.abc|typing)\..*"),
    ("py:class", r"Http(Request|Response)"),
    # Internal types named in public signatures (documented where they are public, or not at all).
    ("py:class", r"flex_auth_django\.(protocol|accounts|resource|tokens)\..*"),
]

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False}

html_theme = "furo"
html_title = f"flex-auth-django {release}"
html_static_path: list[str] = []
html_theme_options = {
    "source_repository": "https://github.com/flex-auth-django/flex-auth-django",
    "source_branch": "main",
    "source_directory": "docs/",
}
