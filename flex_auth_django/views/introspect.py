"""POST introspect: RFC 7662 for resource servers in other processes; confidential clients only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from .. import authorization, client_auth, tokens
from ..errors import InvalidRequest
from ..http import client_ip, json_response
from ..settings import flex_settings
from .base import EndpointView


class IntrospectView(EndpointView):
    announces_refusals = True

    def handle(self, request: HttpRequest) -> HttpResponse:
        params = self.form(request)
        credentials = client_auth.extract(authorization.header(request.META), params)
        application = client_auth.authenticate(
            credentials, ip=client_ip(request), when_missing="Introspection requires the client secret."
        )
        raw = params.get("token")
        if raw is None:
            raise InvalidRequest("Missing token.")
        allowed = {authorization.canonical_client_id(c) for c in flex_settings.INTROSPECTION_CLIENT_IDS}
        privileged = application.public_client_id in allowed
        return json_response(tokens.introspect(raw, application, any_application=privileged))
