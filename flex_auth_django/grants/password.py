"""password: a marketplace user signs in with email and password (Marketplace apps only)."""

from __future__ import annotations

from ..accounts import passwords
from ..models import Application
from ..protocol.errors import InvalidGrant, InvalidRequest
from ..protocol.token_request import TokenRequest
from .sign_in import SignedIn, SignInGrant

# One answer for an unknown user, a wrong password and an inactive account: no oracle.
BAD_CREDENTIALS = "Invalid username or password."


class PasswordGrant(SignInGrant):
    grant_types = ("password",)

    def validate(self, request: TokenRequest, application: Application) -> SignedIn:
        scope = self.scope_for(request, application)
        username, password = request.param("username"), request.param("password")
        if username is None:
            raise InvalidRequest("Missing username.")
        if password is None:
            raise InvalidRequest("Missing password.")
        user = passwords.check(request.http_request, username, password, request.ip)  # 429 before any hash
        if user is None:
            raise InvalidGrant(BAD_CREDENTIALS, reason="password")
        return SignedIn(application, user, scope)
