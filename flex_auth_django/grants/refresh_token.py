"""refresh_token: rotate a session's refresh token (reuse detection lives in the token service)."""

from __future__ import annotations

from dataclasses import dataclass

from oauthlib.common import Request

from .. import scopes, signals, tokens
from ..errors import InvalidRequest
from ..models import ApiType, Application
from .base import BaseGrant, param, request_ip


@dataclass(frozen=True)
class _Validated:
    application: Application
    refresh_token: str


class RefreshTokenGrant(BaseGrant):
    grant_types = ("refresh_token",)
    api_types = frozenset({ApiType.MARKETPLACE, ApiType.INTEGRATION})

    def validate(self, request: Request, application: Application) -> _Validated:
        raw = param(request, "refresh_token")
        if raw is None:
            raise InvalidRequest("Missing refresh_token.")
        # A session keeps its one scope: user for Marketplace, integ for Integration apps.
        default = scopes.USER if application.api_type == ApiType.MARKETPLACE else scopes.INTEG
        scopes.resolve(request.scope, default)
        return _Validated(application, raw)

    def issue(self, request: Request, validated: _Validated) -> tokens.Issued:
        redeemed = tokens.redeem_refresh(validated.refresh_token, validated.application, ip=request_ip(request))
        request.flex_replayed = redeemed.replayed
        return redeemed.issued

    def announce(self, request: Request, application: Application, issued: tokens.Issued) -> None:
        signals.token_refreshed.send(
            sender=type(self),
            application=application,
            kind=issued.refresh.kind,
            user=issued.refresh.user,
            family=issued.refresh.family,
            replayed=request.flex_replayed,
            ip=request_ip(request),
        )
