"""password: a marketplace user signs in with email and password (Marketplace apps only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import tokens
from ..accounts import passwords
from ..models import ApiType, Application, TokenKind
from ..protocol.errors import InvalidGrant, InvalidRequest
from ..protocol.token_request import TokenRequest
from .base import BaseGrant

# One answer for an unknown user, a wrong password and an inactive account: no oracle.
BAD_CREDENTIALS = "Invalid username or password."


@dataclass(frozen=True)
class _Validated:
    application: Application
    user: Any
    scope: str


class PasswordGrant(BaseGrant):
    grant_types = ("password",)
    issues = {ApiType.MARKETPLACE: TokenKind.USER}

    def validate(self, request: TokenRequest, application: Application) -> _Validated:
        scope = self.scope_for(request, application)
        username, password = request.param("username"), request.param("password")
        if username is None:
            raise InvalidRequest("Missing username.")
        if password is None:
            raise InvalidRequest("Missing password.")
        user = passwords.check(request.http_request, username, password, request.ip)  # 429 before any hash
        if user is None:
            raise InvalidGrant(BAD_CREDENTIALS, reason="password")
        return _Validated(application, user, scope)

    def issue(self, request: TokenRequest, validated: _Validated) -> tokens.Issued:
        return tokens.issue(
            validated.application,
            kind=TokenKind.USER,
            scope=validated.scope,
            user=validated.user,
            with_refresh=True,
            grant_type=self.grant_type(request),
            ip=request.ip,
        )
