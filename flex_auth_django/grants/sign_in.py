"""What the grants that sign a marketplace user in share: a user session, with a refresh token.

The password grant and auth_with_idp (spec: it answers "user tokens exactly as the password
grant gives") differ only in how they find the user; `validate()` returns a SignedIn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import tokens
from ..models import ApiType, Application, TokenKind
from ..protocol.token_request import TokenRequest
from .base import BaseGrant


@dataclass(frozen=True)
class SignedIn:
    application: Application
    user: Any
    scope: str


class SignInGrant(BaseGrant):
    issues = {ApiType.MARKETPLACE: TokenKind.USER}

    def issue(self, request: TokenRequest, validated: SignedIn) -> tokens.Issued:
        return tokens.issue(
            validated.application,
            kind=TokenKind.USER,
            scope=validated.scope,
            user=validated.user,
            with_refresh=True,
            grant_type=self.grant_type(request),
            ip=request.ip,
        )
