"""DRF authentication by a flex access token: `Authorization: Bearer <token>`.

request.user is the token's user for user and trusted-user tokens and AnonymousUser for
anonymous and integration tokens; request.auth is the token: the AccessToken row of an opaque
token, or a SignedAccessToken with the same attributes (kind, scope, scopes, application,
expires, user, family) for a signed one.
"""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from ..protocol.errors import InsufficientScope, InvalidToken, MissingToken, OAuthError
from . import access


class _FromOAuthError:
    """A DRF exception carrying one of our OAuthErrors, so DRF's own exception handler renders
    exactly our JSON body and WWW-Authenticate challenge (no EXCEPTION_HANDLER setting needed).

    DRF's APIView.handle_exception overwrites `auth_header` with the first authenticator's
    challenge and turns a 401 into 403 when that authenticator has none (e.g. SessionAuthentication
    listed first). Our error carries its own challenge, so both stay fixed: the SDKs refresh on 401 only.
    """

    def __init__(self, error: OAuthError) -> None:
        self.error = error
        super().__init__(detail=error.as_dict(), code=error.error)

    @property
    def status_code(self) -> int:
        return self.error.status_code

    @status_code.setter
    def status_code(self, value: int) -> None:
        pass

    @property
    def auth_header(self) -> str | None:
        return self.error.headers.get("WWW-Authenticate")

    @auth_header.setter
    def auth_header(self, value: str | None) -> None:
        pass

    @property
    def wait(self) -> int | None:  # DRF's handler turns it into Retry-After
        return self.error.retry_after


class TokenMissing(_FromOAuthError, exceptions.NotAuthenticated):
    pass


class TokenInvalid(_FromOAuthError, exceptions.AuthenticationFailed):
    pass


class ScopeInsufficient(_FromOAuthError, exceptions.PermissionDenied):
    pass


class ServiceUnavailable(_FromOAuthError, exceptions.APIException):
    pass


def api_exception(error: OAuthError) -> exceptions.APIException:
    """The DRF exception for one of our errors."""
    if isinstance(error, MissingToken):
        return TokenMissing(error)
    if isinstance(error, InvalidToken):
        return TokenInvalid(error)
    if isinstance(error, InsufficientScope):
        return ScopeInsufficient(error)
    return ServiceUnavailable(error)


class FlexTokenAuthentication(BaseAuthentication):
    """Authenticates a request by its Bearer access token, shared per request: an opaque one by one
    indexed query the first time a process sees it, a signed one by its signature; then from memory."""

    def authenticate(self, request):
        try:
            token = access.authenticate(request._request)
        except OAuthError as error:
            raise api_exception(error) from None
        if token is None:
            return None  # no Bearer header: let the view's other authenticators try
        return access.user_of(token), token

    def authenticate_header(self, request) -> str:
        # Used by DRF for its own NotAuthenticated (e.g. a composed permission denied a request
        # without a token): a 401 must carry a challenge (RFC 7235 section 3.1).
        return MissingToken().headers["WWW-Authenticate"]
