"""client_credentials: anonymous tokens for Marketplace apps, integration tokens for Integration apps."""

from __future__ import annotations

from dataclasses import dataclass

from oauthlib.common import Request

from .. import scopes, tokens
from ..models import ApiType, Application, TokenKind
from .base import BaseGrant


@dataclass(frozen=True)
class _Validated:
    application: Application
    kind: str
    scope: str
    with_refresh: bool


class ClientCredentialsGrant(BaseGrant):
    grant_types = ("client_credentials",)
    api_types = frozenset({ApiType.MARKETPLACE, ApiType.INTEGRATION})

    def needs_secret(self, application: Application) -> bool:
        # Marketplace: the client ID alone gets an anonymous token (spec, Grants row 1);
        # a secret that is sent is still checked by client_auth.
        return application.api_type == ApiType.INTEGRATION

    def validate(self, request: Request, application: Application) -> _Validated:
        if application.api_type == ApiType.MARKETPLACE:
            scope = scopes.resolve(request.scope, scopes.PUBLIC_READ)
            return _Validated(application, TokenKind.ANONYMOUS, scope, False)
        return _Validated(application, TokenKind.INTEGRATION, scopes.resolve(request.scope, scopes.INTEG), True)

    def issue(self, request: Request, validated: _Validated) -> tokens.Issued:
        return tokens.issue(
            validated.application, kind=validated.kind, scope=validated.scope, with_refresh=validated.with_refresh
        )
