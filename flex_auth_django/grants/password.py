"""password: a marketplace user signs in with email and password (Marketplace apps only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import authenticate
from oauthlib.common import Request

from .. import scopes, throttling, tokens
from ..errors import DATABASE_OUTAGES, InvalidGrant, InvalidRequest
from ..models import ApiType, Application, TokenKind
from .base import BaseGrant, param, request_ip

# One answer for an unknown user, a wrong password and an inactive account: no oracle.
BAD_CREDENTIALS = "Invalid username or password."


@dataclass(frozen=True)
class _Validated:
    application: Application
    user: Any
    scope: str


class PasswordGrant(BaseGrant):
    grant_types = ("password",)
    api_types = frozenset({ApiType.MARKETPLACE})

    def validate(self, request: Request, application: Application) -> _Validated:
        scope = scopes.resolve(request.scope, scopes.USER)
        username, password = param(request, "username"), param(request, "password")
        if username is None:
            raise InvalidRequest("Missing username.")
        if password is None:
            raise InvalidRequest("Missing password.")
        guard = throttling.guard_password(username, request_ip(request))  # 429 before any hash runs
        # Every configured backend must hash for unknown users too (ModelBackend and
        # EmailBackend do; tests/unit/test_timing.py counts the work), so the time taken
        # does not reveal whether the account exists.
        try:
            user = authenticate(getattr(request, "http_request", None), username=username, password=password)
        except DATABASE_OUTAGES:
            guard.refund()  # an outage is no verdict on the password
            raise
        if user is None or not getattr(user, "is_active", True):
            guard.failed()
            raise InvalidGrant(BAD_CREDENTIALS, reason="password")
        guard.succeeded()
        return _Validated(application, user, scope)

    def issue(self, request: Request, validated: _Validated) -> tokens.Issued:
        return tokens.issue(
            validated.application, kind=TokenKind.USER, scope=validated.scope, user=validated.user, with_refresh=True
        )
