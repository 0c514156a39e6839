"""Public modules that moved into the wings keep importing from their old paths, with a warning and a check."""

from __future__ import annotations

import importlib
import sys
import warnings

import pytest
from django.core import checks

from flex_auth_django import MOVED_MODULES


@pytest.mark.parametrize("old", sorted(MOVED_MODULES))
def test_an_old_path_imports_the_moved_module_with_a_deprecation_warning(old):
    sys.modules.pop(old, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(old)
    assert module is importlib.import_module(MOVED_MODULES[old])
    assert any(issubclass(w.category, DeprecationWarning) and MOVED_MODULES[old] in str(w.message) for w in caught)


def test_the_old_server_path_in_settings_still_works_and_is_a_warning(settings):
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OAUTH2_SERVER_CLASS": "flex_auth_django.server.FlexServer",
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        found = {m.id: m for m in checks.run_checks()}
    assert "flex_auth.E002" not in found
    assert found["flex_auth.W012"].hint == "Use 'flex_auth_django.dot.server.FlexServer' (CHANGELOG, 'Upgrading')."


def test_the_current_paths_are_no_warning():
    assert "flex_auth.W012" not in {m.id for m in checks.run_checks()}
