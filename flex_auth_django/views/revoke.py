"""POST revoke: RFC 7009, authenticated by a Bearer access token (SDK logout) or client credentials."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from .. import client_auth, signals, tokens
from ..errors import InvalidRequest, InvalidToken
from ..http import client_ip, json_response
from ..models import ApiType
from .base import EndpointView


class RevokeView(EndpointView):
    announces_refusals = True

    def handle(self, request: HttpRequest) -> HttpResponse:
        params = self.form(request)
        ip = client_ip(request)
        authorization = request.META.get("HTTP_AUTHORIZATION") or ""
        if authorization[:7].lower() == "bearer ":
            if "client_id" in params or "client_secret" in params:
                raise InvalidRequest("Authenticate with a Bearer token or with client credentials, not both.")
            # A dead Bearer is 401: the SDK then refreshes and retries the logout.
            caller = tokens.live_access(authorization[7:].strip())
            if caller is None:
                raise InvalidToken()
            application, user = caller.application, caller.user
        else:
            credentials = client_auth.extract({"Authorization": authorization}, params)
            application = client_auth.authenticate(
                credentials,
                allowed=lambda app: True,
                # Integration apps are confidential clients (RFC 7009 section 2.1).
                needs_secret=lambda app: app.api_type == ApiType.INTEGRATION,
            )
            user = tokens.ANY_USER
        raw = params.get("token")
        if raw is None:
            raise InvalidRequest("Missing token.")
        what = tokens.revoke_token(raw, application=application, user=user)
        if what is not None:
            signals.token_revoked.send(
                sender=type(self),
                application=application,
                user=None if user is tokens.ANY_USER else user,
                family=None,
                what=what,
                ip=ip,
            )
        # 200 and the same body whatever happened: revealing nothing (RFC 7009 section 2.2).
        return json_response({})
