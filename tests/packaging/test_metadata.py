"""Package metadata: one version, the MIT license everywhere it is named, what the sdist and wheel carry.

tests/packaging/smoke.sh (run by .ci/run) builds and installs the real wheel; these are the
fast checks of the same promises.
"""

from __future__ import annotations

import re
import tomllib

import flex_auth_django
from tests.serving import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]


def test_one_version_string():
    assert "version" in PROJECT["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "flex_auth_django.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", flex_auth_django.__version__)


def test_the_changelog_has_a_version_policy_and_this_version():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert "## Version policy" in changelog and "## [Unreleased]" in changelog
    assert f"## [{flex_auth_django.__version__}]" in changelog


def test_the_license_is_mit_in_the_file_and_the_metadata():
    assert PROJECT["license"] == "MIT"
    assert PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in text


def test_classifiers_and_urls():
    classifiers = PROJECT["classifiers"]
    assert "Framework :: Django :: 5.2" in classifiers and "Typing :: Typed" in classifiers
    python = [c.rsplit(" ", 1)[1] for c in classifiers if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)]
    assert python[0] == PROJECT["requires-python"].removeprefix(">=")
    assert {"Homepage", "Source", "Issues", "Changelog"} <= set(PROJECT["urls"])


def test_the_package_is_typed():
    assert (ROOT / "flex_auth_django" / "py.typed").exists()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["flex_auth_django"]


def test_the_sdist_manifest_carries_tests_docs_and_license():
    manifest = (ROOT / "MANIFEST.in").read_text()
    for line in ("include LICENSE CHANGELOG.md README.md", "recursive-include docs *", "recursive-include tests"):
        assert line in manifest
    assert "prune tests/sdk/node_modules" in manifest and ".secret_key" in manifest


def test_make_demo_installs_only_the_demo_extra():
    makefile = (ROOT / "Makefile").read_text()
    demo = re.search(r"^demo: (.*)$", makefile, re.M).group(1)
    assert demo.strip() == "$(VENV)/.demo-installed"
    assert '-e ".[demo]"' in makefile and '-e ".[test,serve]"' in makefile
    extras = PROJECT["optional-dependencies"]
    assert extras["demo"] == ["dj-database-url>=2.2", "prometheus_client>=0.20"]  # DATABASE_URL; /metrics
    assert not {"pytest", "playwright", "ruff"} & {re.split(r"[<>=\[]", d)[0] for d in extras["demo"]}


def test_ci_runs_the_packaging_smoke_test():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "bash tests/packaging/smoke.sh" in ci and "set -euo pipefail" in ci
