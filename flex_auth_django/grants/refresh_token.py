"""refresh_token: rotate a session's refresh token (reuse detection lives in the token service)."""

from __future__ import annotations

from dataclasses import dataclass

from .. import tokens
from ..models import ApiType, Application, TokenKind
from ..protocol.errors import InvalidRequest
from ..protocol.token_request import TokenRequest
from .base import BaseGrant


@dataclass(frozen=True)
class _Validated:
    application: Application
    refresh_token: str


class RefreshTokenGrant(BaseGrant):
    grant_types = ("refresh_token",)
    # The kind of session each API type has: a session keeps its one scope.
    issues = {ApiType.MARKETPLACE: TokenKind.USER, ApiType.INTEGRATION: TokenKind.INTEGRATION}

    def validate(self, request: TokenRequest, application: Application) -> _Validated:
        raw = request.param("refresh_token")
        if raw is None:
            raise InvalidRequest("Missing refresh_token.")
        self.scope_for(request, application)
        return _Validated(application, raw)

    def issue(self, request: TokenRequest, validated: _Validated) -> tokens.Issued:
        return tokens.redeem_refresh(validated.refresh_token, validated.application, ip=request.ip)
