"""POST introspect: RFC 7662 for resource servers in other processes; confidential clients only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from .. import client_auth, tokens
from ..errors import InvalidRequest
from ..http import json_response
from ..settings import flex_settings
from .base import EndpointView


class IntrospectView(EndpointView):
    announces_refusals = True

    def handle(self, request: HttpRequest) -> HttpResponse:
        params = self.form(request)
        credentials = client_auth.extract({"Authorization": request.META.get("HTTP_AUTHORIZATION") or ""}, params)
        application = client_auth.authenticate(credentials, allowed=lambda app: True, needs_secret=lambda app: True)
        raw = params.get("token")
        if raw is None:
            raise InvalidRequest("Missing token.")
        privileged = str(application.client_id) in {str(c).lower() for c in flex_settings.INTROSPECTION_CLIENT_IDS}
        return json_response(tokens.introspect(raw, application, any_application=privileged))
