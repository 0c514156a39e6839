"""A Sharetribe-style Authentication API for Django."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

__version__ = "0.1.0"

# Public modules that moved into the package's wings (CHANGELOG, "Upgrading"): the old import
# path keeps working, with a DeprecationWarning, for one minor release.
MOVED_MODULES = {
    "flex_auth_django.server": "flex_auth_django.dot.server",
    "flex_auth_django.validator": "flex_auth_django.dot.validator",
    "flex_auth_django.passwords": "flex_auth_django.accounts.passwords",
    "flex_auth_django.openapi": "flex_auth_django.protocol.openapi",
    "flex_auth_django.errors": "flex_auth_django.protocol.errors",
}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports an old module path as the module it moved to."""

    def find_spec(self, fullname, path, target=None):
        if fullname not in MOVED_MODULES:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        new = MOVED_MODULES[spec.name]
        warnings.warn(f"{spec.name} moved to {new}; import it from there.", DeprecationWarning, stacklevel=2)
        return importlib.import_module(new)

    def exec_module(self, module) -> None:
        pass  # the module it moved to is already executed


if not any(isinstance(finder, _MovedModules) for finder in sys.meta_path):
    sys.meta_path.append(_MovedModules())
