"""GET .well-known/oauth-authorization-server: RFC 8414 metadata from settings and the registry."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse

from ..grants import get_registry
from ..protocol.endpoint import EndpointView
from ..protocol.http import json_response
from ..settings import flex_settings
from ..tokens import issuer as issuers
from ..tokens import scopes


class MetadataView(EndpointView):
    allowed_methods = ("GET", "HEAD")
    # Where the endpoints are reversed: a URL namespace, or None for the namespace this view
    # itself was reached in (a metadata document mounted beside the endpoints it names).
    namespace: str | None = "flex_auth"
    # Endpoint -> URL name in that namespace (a URLconf with other names, e.g. DOT's, maps them).
    url_names = {"token": "token", "revoke": "revoke", "introspect": "introspect", "jwks": "jwks"}

    def handle(self, request: HttpRequest) -> HttpResponse:
        # FLEX_AUTH['ISSUER'] when set; otherwise (development) the request's own origin, the
        # `iss` of the tokens signed for it (tokens/issuer.py); then never cached for other hosts.
        issuer = issuers.of_request(request)
        parts = urlsplit(issuer)
        origin = f"{parts.scheme}://{parts.netloc}"

        namespace = self.namespace
        if namespace is None:
            namespace = request.resolver_match.namespace if request.resolver_match else ""

        def url(name: str) -> str | None:
            try:
                return origin + reverse(f"{namespace}:{self.url_names[name]}" if namespace else self.url_names[name])
            except NoReverseMatch:
                return None

        auth_methods = ["client_secret_post", "client_secret_basic", "none"]
        document = {
            "issuer": issuer,
            "token_endpoint": url("token"),
            "revocation_endpoint": url("revoke"),
            "introspection_endpoint": url("introspect"),
            "jwks_uri": url("jwks"),
            "grant_types_supported": get_registry().names(),
            "scopes_supported": scopes.names(),
            "response_types_supported": [],
            # Login as user's codes (authorize-as is the console's, not a general authorization endpoint).
            "code_challenge_methods_supported": ["S256"] if get_registry().get("authorization_code") else None,
            "token_endpoint_auth_methods_supported": auth_methods,
            "revocation_endpoint_auth_methods_supported": auth_methods,
            "introspection_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        }
        response = json_response({k: v for k, v in document.items() if v is not None})
        del response["Pragma"]
        if flex_settings.ISSUER:
            response["Cache-Control"] = "public, max-age=3600"
        else:
            response["Cache-Control"] = "no-cache"
            response["Vary"] = "Host"
        return response
