"""GET openapi.json: the OpenAPI 3 description of the endpoints, relative to where they are mounted."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from ..protocol import openapi
from ..protocol.endpoint import EndpointView
from ..protocol.http import json_response


class OpenAPIView(EndpointView):
    allowed_methods = ("GET", "HEAD")

    def handle(self, request: HttpRequest) -> HttpResponse:
        # Served next to token/, revoke/ and introspect/, so the mount prefix is this path's parent.
        mount = request.path.rsplit("/", 1)[0]
        response = json_response(openapi.document(server_url=mount or "/"))
        response["Cache-Control"] = "public, max-age=3600"
        del response["Pragma"]
        return response
