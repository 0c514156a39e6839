"""The oauthlib server set as django-oauth-toolkit's OAUTH2_SERVER_CLASS.

Only the resource side: DOT's own protection tools (OAuth2Authentication,
ProtectedResourceView, protected_resource) call `verify_request`, which reaches
FlexValidator.validate_bearer_token. Tokens are issued by our token view, never
through oauthlib.
"""

from __future__ import annotations

from typing import Any

from oauthlib.oauth2.rfc6749.endpoints.resource import ResourceEndpoint
from oauthlib.oauth2.rfc6749.tokens import BearerToken


class FlexServer(ResourceEndpoint):
    def __init__(self, request_validator: Any, *args: Any, **kwargs: Any) -> None:
        # DOT passes its server_kwargs (token generators, lifetimes): ours are settings.
        self.request_validator = request_validator
        super().__init__(default_token="Bearer", token_types={"Bearer": BearerToken(request_validator)})
