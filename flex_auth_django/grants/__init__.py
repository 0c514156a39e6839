"""The grant registry: which grant class serves each `grant_type` name.

Built from FLEX_AUTH['GRANT_CLASSES']; adding a grant means adding a class that
declares its names and API types and listing it there, not editing a dispatch chain.
"""

from __future__ import annotations

from functools import lru_cache

from django.core.exceptions import ImproperlyConfigured

from ..settings import flex_settings, on_reload
from .base import BaseGrant


class GrantRegistry:
    def __init__(self, classes: list[type[BaseGrant]] | tuple[type[BaseGrant], ...] = ()) -> None:
        self._by_name: dict[str, type[BaseGrant]] = {}
        for cls in classes:
            self.register(cls)

    def register(self, cls: type[BaseGrant]) -> type[BaseGrant]:
        if not cls.grant_types:
            raise ImproperlyConfigured(f"{cls.__name__} declares no grant_types")
        for name in cls.grant_types:
            other = self._by_name.get(name)
            if other is not None and other is not cls:
                raise ImproperlyConfigured(f"grant_type {name!r} is served by both {other.__name__} and {cls.__name__}")
            self._by_name[name] = cls
        return cls

    def get(self, name: str | None) -> type[BaseGrant] | None:
        return self._by_name.get(name or "")

    def allows(self, name: str, api_type: str) -> bool:
        cls = self.get(name)
        return cls is not None and api_type in cls.api_types

    def names(self) -> list[str]:
        return list(self._by_name)

    def items(self):
        return self._by_name.items()

    def classes(self) -> list[type[BaseGrant]]:
        return list(dict.fromkeys(self._by_name.values()))


@lru_cache(maxsize=1)
def get_registry() -> GrantRegistry:
    return GrantRegistry(flex_settings.GRANT_CLASSES)


on_reload(get_registry.cache_clear)

__all__ = ["BaseGrant", "GrantRegistry", "get_registry"]
