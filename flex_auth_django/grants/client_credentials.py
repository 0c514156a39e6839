"""client_credentials: anonymous tokens for Marketplace apps, integration tokens for Integration apps."""

from __future__ import annotations

from dataclasses import dataclass

from .. import tokens
from ..models import ApiType, Application, TokenKind
from ..protocol.token_request import TokenRequest
from ..tokens import kinds
from .base import BaseGrant


@dataclass(frozen=True)
class _Validated:
    application: Application
    kind: str
    scope: str


class ClientCredentialsGrant(BaseGrant):
    grant_types = ("client_credentials",)
    issues = {ApiType.MARKETPLACE: TokenKind.ANONYMOUS, ApiType.INTEGRATION: TokenKind.INTEGRATION}

    def needs_secret(self, application: Application) -> bool:
        # Marketplace: the client ID alone gets an anonymous token (spec, Grants row 1);
        # a secret that is sent is still checked by client_auth.
        return application.api_type == ApiType.INTEGRATION

    def validate(self, request: TokenRequest, application: Application) -> _Validated:
        return _Validated(application, self.kind_for(application), self.scope_for(request, application))

    def issue(self, request: TokenRequest, validated: _Validated) -> tokens.Issued:
        # Tokens with a session get a refresh token (Integration); anonymous ones do not (spec).
        with_refresh = kinds.kind(validated.kind).has_sessions
        return tokens.issue(
            validated.application,
            kind=validated.kind,
            scope=validated.scope,
            with_refresh=with_refresh,
            grant_type=self.grant_type(request),
            ip=request.ip,
        )
