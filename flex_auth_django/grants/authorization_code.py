"""authorization_code: redeem a Login-as code from the console's authorize-as (spec: Login as user, step 4).

What `sdk.loginAs({code, redirect_uri, code_verifier})` sends: `client_id` and no secret,
so this is a public-client exchange protected by PKCE (RFC 7636, S256 only). A secret
that is sent is still checked. Answers a Login-as token: scope `user:limited`
(LOGIN_AS_SCOPE), LOGIN_AS_TOKEN_LIFETIME seconds, no refresh token.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import tokens
from ..console import pkce
from ..models import ApiType, Application, TokenKind
from ..protocol.errors import InvalidRequest
from ..protocol.token_request import TokenRequest
from .base import BaseGrant


@dataclass(frozen=True)
class _Validated:
    application: Application
    code: str
    redirect_uri: str
    code_verifier: str
    scope: str


class AuthorizationCodeGrant(BaseGrant):
    grant_types = ("authorization_code",)
    issues = {ApiType.MARKETPLACE: TokenKind.LOGIN_AS}

    def validate(self, request: TokenRequest, application: Application) -> _Validated:
        scope = self.scope_for(request, application)
        values = {}
        for name in ("code", "redirect_uri", "code_verifier"):
            value = request.param(name)
            if value is None:
                raise InvalidRequest(f"Missing {name}.")
            values[name] = value
        if not pkce.valid_verifier(values["code_verifier"]):
            raise InvalidRequest("code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636).")
        return _Validated(application, values["code"], values["redirect_uri"], values["code_verifier"], scope)

    def issue(self, request: TokenRequest, validated: _Validated) -> tokens.Issued:
        # The token service announces login_as_started itself (with the staff member's address).
        return tokens.redeem_code(
            validated.code,
            validated.application,
            redirect_uri=validated.redirect_uri,
            code_verifier=validated.code_verifier,
            scope=validated.scope,
            ip=request.ip,
            grant_type=self.grant_type(request),
        )
