"""token_exchange: a live user token becomes a short-lived trusted:user token (RFC 8693 shape).

Served under Sharetribe's name `token_exchange` (what the SDK's exchangeToken sends)
and the RFC 8693 URN. Needs the Marketplace app's secret, so it only happens server-side.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .. import tokens
from ..models import ApiType, Application, TokenKind
from ..protocol.errors import InvalidGrant, InvalidRequest
from ..protocol.token_request import TokenRequest
from .base import BaseGrant

URN = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"


@dataclass(frozen=True)
class _Validated:
    application: Application
    subject_token: str
    scope: str


class TokenExchangeGrant(BaseGrant):
    grant_types = ("token_exchange", URN)
    issues = {ApiType.MARKETPLACE: TokenKind.TRUSTED_USER}

    def needs_secret(self, application: Application) -> bool:
        return True

    def validate(self, request: TokenRequest, application: Application) -> _Validated:
        rfc_form = request.grant_type == URN
        subject_token = request.param("subject_token")
        subject_type = request.param("subject_token_type")
        if subject_token is None:
            raise InvalidRequest("Missing subject_token.")
        if subject_type is None and rfc_form:
            raise InvalidRequest("Missing subject_token_type.")
        if subject_type is not None and subject_type != ACCESS_TOKEN_TYPE:
            raise InvalidRequest(f"subject_token_type must be {ACCESS_TOKEN_TYPE}.")
        requested_type = request.param("requested_token_type")
        if requested_type is not None and requested_type != ACCESS_TOKEN_TYPE:
            raise InvalidRequest(f"requested_token_type must be {ACCESS_TOKEN_TYPE}.")
        if request.param("actor_token") is not None or request.param("actor_token_type") is not None:
            raise InvalidRequest("Delegation (actor_token) is not supported.")
        return _Validated(application, subject_token, self.scope_for(request, application))

    def issue(self, request: TokenRequest, validated: _Validated) -> tokens.Issued:
        # Only a live user token of this very application: not anonymous, not already trusted.
        issued = tokens.exchange(
            validated.subject_token,
            validated.application,
            scope=validated.scope,
            grant_type=self.grant_type(request),
            ip=request.ip,
        )
        if issued is None:
            raise InvalidGrant("subject_token is not a live user access token of this application.")
        if request.grant_type == URN:  # RFC 8693 section 2.2.1
            issued = replace(issued, extra={"issued_token_type": ACCESS_TOKEN_TYPE})
        return issued
