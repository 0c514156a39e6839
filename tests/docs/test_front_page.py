"""The README is the front page PyPI shows: it says what the docs say, and nothing in it breaks there."""

from __future__ import annotations

import re
import tomllib

import pytest

from tests.docs.pages import ROOT, blocks, page, section

README = (ROOT / "README.md").read_text()
PUBLISHED = "https://flex-auth-django.readthedocs.io/en/latest/"


def test_the_site_setup_is_the_getting_started_pages():
    """The settings and urls blocks the packaging smoke test runs are the ones the docs explain."""
    front = blocks(section("README.md", "## Adding it to an existing site"), "python")
    docs = blocks(section("getting-started.md", "## Adding it to an existing site"), "python")
    assert len(front) == 2 and front == docs[:2]


def test_the_dot_settings_written_out_are_the_example_sites():
    """A pip user copies the block; the example site (which `check --deploy` runs quiet) has the same."""
    from example_project import settings as example

    namespace: dict = {"INSTALLED_APPS": []}
    settings_block = blocks(section("getting-started.md", "## Adding it to an existing site"), "python")[0]
    exec(settings_block.replace("    ...,\n", ""), namespace)  # noqa: S102 (the docs' own block)
    assert namespace["OAUTH2_PROVIDER"] == example.OAUTH2_PROVIDER
    assert namespace["SILENCED_SYSTEM_CHECKS"] == example.SILENCED_SYSTEM_CHECKS
    for name in ("APPLICATION", "ACCESS_TOKEN", "REFRESH_TOKEN", "ID_TOKEN", "GRANT"):
        setting = f"OAUTH2_PROVIDER_{name}_MODEL"
        assert namespace[setting] == getattr(example, setting), setting


def test_every_link_and_image_is_absolute():
    """PyPI renders the README away from the repository: a relative link or image breaks there."""
    targets = re.findall(r"\]\(([^)]+)\)|<(https?://[^>]+)>|src=\"([^\"]+)\"", README)
    assert targets
    for target in (t for group in targets for t in group if t):
        assert target.startswith("https://"), target
    assert "![" not in README or all(t.startswith("https://") for t in re.findall(r"!\[[^]]*\]\(([^)]+)\)", README))


def test_every_docs_link_names_a_page_of_the_site():
    for target in re.findall(rf"\]\(({re.escape(PUBLISHED)}[^)#]*)", README):
        path = target.removeprefix(PUBLISHED)
        assert path.endswith(".html") or path == "", target
        if path:
            assert (ROOT / "docs" / path.replace(".html", ".md")).exists(), target


@pytest.fixture(scope="module")
def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def matrix() -> dict[str, str]:
    rows = re.findall(r"^\| ([^|]+) \| ([^|]+) \|$", section("README.md", "## Compatibility"), re.M)
    return {name.strip(): value.strip() for name, value in rows}


def test_the_compatibility_matrix_is_pyprojects(project):
    rows = matrix()
    pythons = [c.rsplit(" :: ", 1)[1] for c in project["classifiers"] if re.fullmatch(r".*Python :: 3\.\d+", c)]
    assert rows["Python"] == ", ".join(pythons)
    requirement = {re.split(r"[<>=\[]", d, maxsplit=1)[0].lower(): d for d in project["dependencies"]}
    for name, package in (("Django", "django"), ("Django REST framework", "djangorestframework")):
        specifier = requirement[package].removeprefix(package).removeprefix(package.title())
        assert f"`{specifier}`" in rows[name], (name, specifier)
    dot = requirement["django-oauth-toolkit"].removeprefix("django-oauth-toolkit")
    assert f"`{dot}`" in rows["django-oauth-toolkit"]
    assert "PostgreSQL" in rows


def test_the_docs_pages_the_feature_list_promises_exist():
    for path in ("getting-started.md", "guides/deployment.md", "guides/dot.md", "reference/settings.md"):
        assert page(path).startswith("# ")


def test_every_docs_url_in_the_code_names_a_page_and_heading_of_the_site():
    """Check hints and error messages point into the docs: each page exists, and so does its anchor."""
    sources = [*(ROOT / "flex_auth_django").rglob("*.py"), *(ROOT / "example_project").rglob("*.py")]
    urls = {u for path in sources for u in re.findall(rf"{re.escape(PUBLISHED)}[\w/.#-]+", path.read_text())}
    assert len(urls) >= 4
    for url in urls:
        path, _, anchor = url.removeprefix(PUBLISHED).partition("#")
        text = page(path.replace(".html", ".md"))
        if anchor:
            headings = [
                re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-")
                for h in re.findall(r"^#+ (.+)$", text, re.M)
            ]
            assert anchor in headings, url
