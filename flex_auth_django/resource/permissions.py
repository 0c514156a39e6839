"""DRF permissions for the Authentication API's access levels; they compose with & | ~.

    RequirePublicRead   any live Marketplace API token (anonymous, user or trusted user)
    RequireUser         a user, trusted-user or Login-as token (scope `user`, `trusted:user` or `user:limited`)
    RequireFullUser     as RequireUser, but refuses `user:limited` (Login as user): for payout,
                        payment-method, messaging and transaction views
    RequireTrustedUser  a trusted-user token, from token exchange (privileged operations)
    RequireIntegration  an Integration API token (scope `integ`)

A Marketplace token never passes an Integration check, nor the other way round. Use them
with FlexTokenAuthentication, which puts the token on request.auth.
"""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from ..models import AccessToken
from ..tokens import scopes
from ..tokens.formats.signed import SignedAccessToken
from . import access
from .authentication import api_exception


class RequireScopes(BasePermission):
    """Grants a request whose token has every scope in `required_scopes` (class or view attribute).

    Listed on its own in a view's permission_classes, a denial is final (DRF raises on the
    first False), so it raises the exact error itself: 401 `missing_token` or 403
    `insufficient_scope` with its Bearer challenge. Inside & | ~ it only answers True or
    False and lets the composition decide; DRF then answers its own generic 401 or 403.
    """

    required_scopes: tuple[str, ...] = ()
    # Scopes that make a token fail even when it grants `required_scopes` (`user:limited`).
    refused_scopes: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if cls.required_scopes:
            access.requirement(cls.required_scopes)  # a typo fails at import, not per request
        if cls.refused_scopes:
            access.requirement(cls.refused_scopes)

    def get_required_scopes(self, view) -> frozenset[str]:
        return access.requirement(self.required_scopes or getattr(view, "required_scopes", ()))

    def get_refused_scopes(self, view) -> frozenset[str]:
        names = self.refused_scopes or getattr(view, "refused_scopes", ())
        return access.requirement(names) if names else frozenset()

    def has_permission(self, request, view) -> bool:
        token = request.auth if isinstance(request.auth, AccessToken | SignedAccessToken) else None
        error = access.denial(token, self.get_required_scopes(view), self.get_refused_scopes(view))
        if error is None:
            return True
        # DRF words its refusal with these when it denies on this instance directly, e.g.
        # when the view builds its permissions in get_permissions() instead of listing them.
        self.message, self.code = error.as_dict(), error.error
        if type(self) in getattr(view, "permission_classes", ()):
            raise api_exception(error)
        return False


class RequirePublicRead(RequireScopes):
    required_scopes = (scopes.PUBLIC_READ,)


class RequireUser(RequireScopes):
    required_scopes = (scopes.USER,)


class RequireFullUser(RequireScopes):
    """A user with full rights: refuses Login-as tokens of scope `user:limited` with 403
    insufficient_scope. Use it where Sharetribe refuses limited rights: payout details and
    payment methods, messages, and starting or moving a transaction forward."""

    required_scopes = (scopes.USER,)
    refused_scopes = (scopes.USER_LIMITED,)


class RequireTrustedUser(RequireScopes):
    required_scopes = (scopes.TRUSTED_USER,)


class RequireIntegration(RequireScopes):
    required_scopes = (scopes.INTEG,)
