"""Identify every request that carries a Bearer token: request.auth and request.user for any view.

Add after django.contrib.auth's AuthenticationMiddleware:

    MIDDLEWARE = [..., "django.contrib.auth.middleware.AuthenticationMiddleware",
                  "flex_auth_django.resource.middleware.BearerTokenMiddleware", ...]

It identifies and does not enforce: a request with a dead token gets request.auth = None and
AnonymousUser (never the session's user), and the view decides. The decorators and the DRF
classes reuse its lookup, so a request still costs one query. Requests without a Bearer
header are left untouched and cost nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from ..protocol.errors import OAuthError
from . import access


class BearerTokenMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if access.bearer_token(request) is not None:
            try:
                token = access.authenticate(request)
            except OAuthError:
                token = None  # remembered on the request: a protected view still answers 401
            request.auth = token
            request.user = access.user_of(token)
        return self.get_response(request)
