"""POST token: every grant type, through the oauthlib server DOT is configured with."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from ..http import client_ip, json_response
from ..server import get_server
from .base import EndpointView


class TokenView(EndpointView):
    announces_refusals = True

    def handle(self, request: HttpRequest) -> HttpResponse:
        params = self.form(request)
        headers = {"REMOTE_ADDR": client_ip(request) or ""}
        authorization = request.META.get("HTTP_AUTHORIZATION")
        if authorization:
            headers["Authorization"] = authorization
        response_headers, body, status = get_server().create_token_response(
            request.path, "POST", list(params.items()), headers, http_request=request
        )
        return json_response(body, status=status, headers=response_headers)
