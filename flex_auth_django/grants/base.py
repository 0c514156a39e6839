"""The grant contract: names, allowed API types, whether a secret is needed; validate, then issue."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from oauthlib.common import Request

from .. import client_auth, signals
from ..http import NO_STORE, client_ip
from ..models import Application
from ..tokens import Issued


class BaseGrant:
    """One grant type (or several names for it) on the token endpoint.

    oauthlib's TokenEndpoint dispatches to `create_token_response`; everything else is
    ours: client authentication, then `validate()` (raises an OAuth error or returns
    what `issue()` needs), then `issue()`, which calls the token service.
    """

    grant_types: ClassVar[tuple[str, ...]] = ()
    api_types: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, request_validator: Any = None) -> None:
        self.request_validator = request_validator

    # -- declarations ------------------------------------------------------------------
    def allows(self, application: Application) -> bool:
        return application.api_type in self.api_types

    def needs_secret(self, application: Application) -> bool:
        return False

    # -- steps ---------------------------------------------------------------------------
    def validate(self, request: Request, application: Application) -> Any:
        raise NotImplementedError

    def issue(self, request: Request, validated: Any) -> Issued:
        raise NotImplementedError

    def render(self, request: Request, issued: Issued) -> dict[str, object]:
        return issued.as_response()

    def announce(self, request: Request, application: Application, issued: Issued) -> None:
        """Send the signal for this event (audit logging listens)."""
        signals.token_issued.send(
            sender=type(self),
            application=application,
            kind=issued.access.kind,
            user=issued.access.user,
            grant_type=request.grant_type,
            family=issued.access.family,
            ip=request_ip(request),
        )

    # -- oauthlib's grant interface --------------------------------------------------------
    def create_token_response(self, request: Request, token_handler: Any = None) -> tuple[dict, str, int]:
        params = request_params(request)
        credentials = client_auth.extract(request.headers, params)
        application = client_auth.authenticate(
            credentials,
            allowed=self.allows,
            needs_secret=self.needs_secret,
        )
        request.client = application
        request.client_id = str(application.client_id)
        validated = self.validate(request, application)
        issued = self.issue(request, validated)
        self.announce(request, application, issued)
        headers = {"Content-Type": "application/json", **NO_STORE}
        return headers, json.dumps(self.render(request, issued), separators=(",", ":")), 200


def request_params(request: Request) -> dict[str, str]:
    """The body parameters, without empty values (RFC 6749 section 3.1); parsed once per request."""
    params = request.__dict__.get("flex_params")
    if params is None:
        params = request.flex_params = {k: v for k, v in (request.decoded_body or []) if v != ""}
    return params


def request_ip(request: Request) -> str | None:
    http_request = getattr(request, "http_request", None)
    if http_request is not None:
        return client_ip(http_request)
    return request.headers.get("REMOTE_ADDR")


def param(request: Request, name: str) -> str | None:
    return request_params(request).get(name)
