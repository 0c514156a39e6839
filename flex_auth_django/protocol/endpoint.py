"""What every endpoint shares: one handler of failures (failures.py), strict form parsing, refusals announced."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from .. import signals
from ..tokens import issuer
from . import client_auth, headers
from .errors import InvalidRequest, MethodNotAllowed, OAuthError, TooManyRequests
from .failures import as_error
from .form import parse_form, parsed
from .http import client_ip


class EndpointView(View):
    """An endpoint whose failures are always the JSON of an OAuthError."""

    allowed_methods: tuple[str, ...] = ("POST",)
    # Token, revoke and introspect announce each refused request (signals, audit log).
    announces_refusals = False
    # The grant an endpoint without a grant_type parameter stands for (auth_with_idp), for signals.
    implied_grant_type: str | None = None

    @classmethod
    def as_view(cls, **initkwargs: Any):
        """The view function, exempt from CSRF (clients authenticate themselves, never with a cookie).

        Marked on the function as DRF's APIView does, rather than by decorating dispatch(), which
        would build two wrapper functions on every request.
        """
        return csrf_exempt(super().as_view(**initkwargs))

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with issuer.serving(request):  # what is signed here names the issuer the metadata names
            response = self.respond(request)
        if request.method == "HEAD":
            # RFC 9110 section 9.3.2: the headers a GET would get, never a body; not every
            # WSGI server drops it (wsgiref, some proxies in front of others do not).
            response.content = b""
        return response

    def respond(self, request: HttpRequest) -> HttpResponse:
        try:
            if request.method not in self.allowed_methods:
                raise MethodNotAllowed(request.method or "", self.allowed_methods)
            return self.handle(request)
        except Exception as exc:  # noqa: BLE001 - every failure gets an answer; as_error() logs bugs
            error = as_error(exc, type(self).__name__)
            if self.announces_refusals and error.status_code < 500:
                self.announce_refusal(request, error)
            return error.to_response()

    def handle(self, request: HttpRequest) -> HttpResponse:
        raise NotImplementedError

    def form(self, request: HttpRequest) -> dict[str, str]:
        """The body's parameters, without empty values (RFC 6749 3.1: sent without a value
        is as if omitted); none may travel in the query string (3.2)."""
        if request.META.get("QUERY_STRING"):
            raise InvalidRequest("URL query parameters are not allowed.")
        return {name: value for name, value in parse_form(request).items() if value != ""}

    def announce_refusal(self, request: HttpRequest, error: OAuthError) -> None:
        """One signal per refused request: `throttled` for 429, `auth_failed` for the rest."""
        params = parsed(request)
        grant_type = params.get("grant_type") or self.implied_grant_type
        context = {
            "endpoint": self.endpoint_name,
            "client_id": client_auth.claimed_client_id(headers.header(request.META), params),
            # Receivers get the username to mask (audit logs a keyed hash), never to log raw.
            "username": params.get("username") if grant_type == "password" else None,
            "grant_type": grant_type,
            "ip": client_ip(request),
        }
        if isinstance(error, TooManyRequests):
            signals.throttled.send(sender=type(self), scope=error.reason, **context)
        else:
            reason = error.reason or error.error
            signals.auth_failed.send(
                sender=type(self), reason=reason, error=error.error, status=error.status_code, **context
            )

    @property
    def endpoint_name(self) -> str:
        return type(self).__name__.removesuffix("View").lower()
