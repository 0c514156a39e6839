"""POST revoke: RFC 7009, authenticated by a Bearer access token (SDK logout) or client credentials."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from .. import tokens
from ..models import ApiType
from ..protocol import client_auth, headers
from ..protocol.endpoint import EndpointView
from ..protocol.errors import InvalidRequest, InvalidToken
from ..protocol.http import client_ip, json_response


class RevokeView(EndpointView):
    announces_refusals = True

    def handle(self, request: HttpRequest) -> HttpResponse:
        params = self.form(request)
        header = headers.header(request.META)
        raw_bearer = headers.bearer(header)
        if raw_bearer is not None:
            if "client_id" in params or "client_secret" in params:
                raise InvalidRequest("Authenticate with a Bearer token or with client credentials, not both.")
            # A dead Bearer is 401: the SDK then refreshes and retries the logout.
            caller = tokens.live_access(raw_bearer)
            if caller is None:
                raise InvalidToken()
            application, user = caller.application, caller.user
        else:
            application = client_auth.authenticate(
                client_auth.extract(header, params),
                ip=client_ip(request),
                # Integration apps are confidential clients (RFC 7009 section 2.1).
                needs_secret=lambda app: app.api_type == ApiType.INTEGRATION,
                when_missing="An Integration API application must send its client secret.",
            )
            user = tokens.ANY_USER
        raw = params.get("token")
        if raw is None:
            raise InvalidRequest("Missing token.")
        tokens.revoke_token(raw, application=application, user=user, ip=client_ip(request))
        # 200 and the same body whatever happened: revealing nothing (RFC 7009 section 2.2).
        return json_response({})
