"""A thin OAuth2Validator: django-oauth-toolkit's resource-protection tools on our tokens.

Set as OAUTH2_VALIDATOR_CLASS. DOT reaches exactly two methods: `validate_bearer_token`
(OAuth2Authentication, middleware, `protected_resource`: our digest lookup, one query)
and `authenticate_client` (ClientProtectedResourceView: our throttled client
authentication, the same as the token endpoint's).
"""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

from .. import tokens
from ..protocol import client_auth, headers, http
from ..protocol.errors import OAuthError


class FlexValidator(OAuth2Validator):
    def validate_bearer_token(self, token: str, scopes: list[str], request: Any) -> bool:
        access = tokens.live_access(token)
        if access is None or not access.allow_scopes(scopes):
            return False
        request.client = access.application
        request.user = access.user
        request.scopes = access.scopes
        request.access_token = access
        return True

    def authenticate_client(self, request: Any, *args: Any, **kwargs: Any) -> bool:
        """DOT's ClientProtectedResourceView: the client's ID and secret, throttled like every secret check."""
        params = {k: v for k, v in (request.decoded_body or []) if v}
        try:
            credentials = client_auth.extract(headers.header(request.headers), params)
            request.client = client_auth.authenticate(credentials, ip=http.client_ip_from_meta(request.headers))
        except OAuthError:
            return False
        return True
