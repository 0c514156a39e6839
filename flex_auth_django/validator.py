"""A thin OAuth2Validator: django-oauth-toolkit's resource-protection tools on our tokens.

Set as OAUTH2_VALIDATOR_CLASS, it lets DOT's own OAuth2Authentication, middleware and
`protected_resource` decorator validate flex tokens (digest lookup, one query). Per-grant
rules live in the grants, not here.
"""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator

from . import client_auth, tokens


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
        params = {k: v for k, v in (request.decoded_body or []) if v}
        credentials = client_auth.extract(request.headers, params)
        application = client_auth.load_application(credentials.client_id)
        if not client_auth.verify_secret(application, credentials.client_secret) or not application.is_active:
            return False
        request.client = application
        return True

    def authenticate_client_id(self, client_id: str, request: Any, *args: Any, **kwargs: Any) -> bool:
        application = client_auth.load_application(client_id)
        if application is None or not application.is_active:
            return False
        request.client = application
        return True

    def client_authentication_required(self, request: Any, *args: Any, **kwargs: Any) -> bool:
        return bool(request.client_secret) or "Authorization" in request.headers

    def validate_client_id(self, client_id: str, request: Any, *args: Any, **kwargs: Any) -> bool:
        application = client_auth.load_application(client_id)
        return application is not None and application.is_active

    def validate_grant_type(
        self, client_id: str, grant_type: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        return client.allows_grant_type(grant_type)
