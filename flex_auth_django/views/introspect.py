"""POST introspect: RFC 7662 for resource servers in other processes; confidential clients only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from .. import tokens
from ..protocol import client_auth, client_ids, headers
from ..protocol.endpoint import EndpointView
from ..protocol.errors import InvalidRequest
from ..protocol.http import client_ip, json_response
from ..settings import flex_settings


class IntrospectView(EndpointView):
    announces_refusals = True

    def handle(self, request: HttpRequest) -> HttpResponse:
        params = self.form(request)
        credentials = client_auth.extract(headers.header(request.META), params)
        application = client_auth.authenticate(
            credentials, ip=client_ip(request), when_missing="Introspection requires the client secret."
        )
        raw = params.get("token")
        if raw is None:
            raise InvalidRequest("Missing token.")
        allowed = {client_ids.canonical_client_id(c) for c in flex_settings.INTROSPECTION_CLIENT_IDS}
        privileged = application.public_client_id in allowed
        return json_response(tokens.introspect(raw, application, any_application=privileged))
