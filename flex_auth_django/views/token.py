"""POST token: every grant type. view -> TokenRequest -> registry -> grant -> Issued -> response."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from ..grants import get_registry
from ..protocol.endpoint import EndpointView
from ..protocol.http import json_response
from ..protocol.token_request import TokenRequest


class TokenView(EndpointView):
    announces_refusals = True

    def handle(self, request: HttpRequest) -> HttpResponse:
        issued = get_registry().dispatch(TokenRequest.from_http(request, self.form(request)))
        # Every success is rendered here (RFC 6749 section 5.1: JSON, never cached).
        return json_response(issued.as_response())
