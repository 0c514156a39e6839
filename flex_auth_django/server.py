"""The oauthlib server set as django-oauth-toolkit's OAUTH2_SERVER_CLASS.

A TokenEndpoint whose grant_types come from our registry. oauthlib does the method
and query-string checks and the dispatch on `grant_type`; the grants do the rest.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from oauthlib.common import Request
from oauthlib.oauth2.rfc6749.endpoints.base import catch_errors_and_unavailability
from oauthlib.oauth2.rfc6749.endpoints.resource import ResourceEndpoint
from oauthlib.oauth2.rfc6749.endpoints.token import TokenEndpoint
from oauthlib.oauth2.rfc6749.tokens import BearerToken

from .errors import InvalidRequest, UnsupportedGrantType
from .grants import get_registry
from .settings import on_reload


class _NoSuchGrant:
    """The handler oauthlib falls back to when `grant_type` names no registered grant."""

    def create_token_response(self, request: Request, token_handler: Any = None):
        if not request.grant_type:
            raise InvalidRequest("Missing grant_type.")
        raise UnsupportedGrantType(f"Supported grant types: {', '.join(get_registry().names())}.")


class FlexServer(TokenEndpoint, ResourceEndpoint):
    """Token endpoint for our grants; resource endpoint so DOT's own protection tools
    (OAuth2Authentication, ProtectedResourceView, protected_resource) accept flex tokens."""

    def __init__(self, request_validator: Any, *args: Any, **kwargs: Any) -> None:
        self.request_validator = request_validator
        grant_types: dict[str, Any] = {"": _NoSuchGrant()}
        instances: dict[type, Any] = {}
        for name, cls in get_registry().items():
            grant_types[name] = instances.setdefault(cls, cls(request_validator))
        TokenEndpoint.__init__(self, default_grant_type="", default_token_type=None, grant_types=grant_types)
        bearer = BearerToken(request_validator)
        ResourceEndpoint.__init__(self, default_token="Bearer", token_types={"Bearer": bearer})

    @catch_errors_and_unavailability
    def create_token_response(
        self,
        uri: str,
        http_method: str = "POST",
        body: Any = None,
        headers: dict[str, str] | None = None,
        credentials: dict | None = None,
        grant_type_for_scope: str | None = None,
        claims: Any = None,
        http_request: Any = None,
    ):
        """oauthlib's dispatch, plus the Django request for backends and throttling."""
        request = Request(uri, http_method=http_method, body=body, headers=headers)
        request.http_request = http_request
        self.validate_token_request(request)
        request.extra_credentials = credentials
        handler = self.grant_types.get(request.grant_type or "", self.default_grant_type_handler)
        return handler.create_token_response(request, self.default_token_type)


@lru_cache(maxsize=1)
def get_server() -> FlexServer:
    """The server django-oauth-toolkit is configured with (OAUTH2_SERVER_CLASS, OAUTH2_VALIDATOR_CLASS)."""
    from oauth2_provider.settings import oauth2_settings

    server_class = oauth2_settings.OAUTH2_SERVER_CLASS
    validator_class = oauth2_settings.OAUTH2_VALIDATOR_CLASS
    return server_class(validator_class())


on_reload(get_server.cache_clear)
