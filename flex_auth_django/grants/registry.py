"""The grant registry: which grant class serves each grant name, and dispatch to it.

Built from FLEX_AUTH['GRANT_CLASSES']; adding a grant means adding a class that
declares its names and the token kind it issues per API type, and listing it there,
not editing a dispatch chain. A grant with an endpoint of its own (auth_with_idp, which
the SDK posts without a grant_type) is registered like the rest and dispatched by name
from its endpoint; the token endpoint serves only the grants whose `token_endpoint` is set.
"""

from __future__ import annotations

from functools import lru_cache

from django.core.exceptions import ImproperlyConfigured

from ..protocol.errors import InvalidRequest, UnsupportedGrantType
from ..protocol.token_request import TokenRequest
from ..settings import flex_settings, on_reload
from ..tokens import Issued
from .base import BaseGrant


class GrantRegistry:
    def __init__(self, classes: list[type[BaseGrant]] | tuple[type[BaseGrant], ...] = ()) -> None:
        self._by_name: dict[str, type[BaseGrant]] = {}
        self._instances: dict[type[BaseGrant], BaseGrant] = {}
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
        self._instances.setdefault(cls, cls())
        return cls

    def get(self, name: str | None) -> type[BaseGrant] | None:
        return self._by_name.get(name or "")

    def allows(self, name: str, api_type: str) -> bool:
        cls = self.get(name)
        return cls is not None and api_type in cls.issues

    def names(self) -> list[str]:
        """The grant_type values the token endpoint serves (the metadata's grant_types_supported)."""
        return [name for name, cls in self._by_name.items() if cls.token_endpoint]

    def all_names(self) -> list[str]:
        """Every registered grant name, those served by endpoints of their own included."""
        return list(self._by_name)

    def items(self) -> list[tuple[str, type[BaseGrant]]]:
        """(name, class) of the token endpoint's grants."""
        return [(name, cls) for name, cls in self._by_name.items() if cls.token_endpoint]

    def classes(self) -> list[type[BaseGrant]]:
        return list(self._instances)

    def dispatch(self, request: TokenRequest) -> Issued:
        """The token endpoint: hand `request` to the grant its `grant_type` names; invalid_request or
        unsupported_grant_type otherwise."""
        name = request.grant_type
        if not name:
            raise InvalidRequest("Missing grant_type.")
        cls = self._by_name.get(name)
        if cls is None or not cls.token_endpoint:
            raise UnsupportedGrantType(f"Supported grant types: {', '.join(self.names())}.")
        return self._instances[cls].handle(request)

    def dispatch_to(self, name: str, request: TokenRequest) -> Issued:
        """An endpoint of its own (auth_with_idp): hand `request` to the grant registered as `name`."""
        cls = self._by_name.get(name)
        if cls is None:
            raise UnsupportedGrantType(f"{name} is not enabled on this server (FLEX_AUTH['GRANT_CLASSES']).")
        return self._instances[cls].handle(request)


@lru_cache(maxsize=1)
def get_registry() -> GrantRegistry:
    return GrantRegistry(flex_settings.GRANT_CLASSES)


on_reload(get_registry.cache_clear)
