"""auth_with_idp: a marketplace user signs in with an identity provider's token (Marketplace apps only).

Not a `grant_type` of POST token (the SDK's `loginWithIdp()` posts to its own endpoint,
views/auth_with_idp.py, without one), but registered like every grant and the same
pipeline as the password grant:
client authentication with the secret required, throttling before verification, user
tokens with a refresh token from the token service, and the same signals.
"""

from __future__ import annotations

from .. import throttling
from ..db.outages import DATABASE_OUTAGES
from ..idp import login
from ..idp.fetch import ProviderUnreachable
from ..idp.identity import TokenRejected
from ..models import Application
from ..protocol.errors import InvalidGrant, InvalidRequest, TemporarilyUnavailable
from ..protocol.token_request import TokenRequest
from .sign_in import SignedIn, SignInGrant

IDP_LOGIN = "auth_with_idp"
# One answer for a bad token, an unknown provider and an account nobody matches: no oracle.
IDP_REFUSED = "The identity provider token was not accepted."
PARAMETERS = ("idp_id", "idp_client_id", "idp_token")


class IdpLoginGrant(SignInGrant):
    grant_types = (IDP_LOGIN,)
    token_endpoint = False  # POST auth_with_idp

    def needs_secret(self, application: Application) -> bool:
        return True  # spec: loginWithIdp requires an SDK instance with the client secret

    def validate(self, request: TokenRequest, application: Application) -> SignedIn:
        scope = self.scope_for(request, application)
        values = {name: request.param(name) for name in PARAMETERS}
        for name, value in values.items():
            if value is None:
                raise InvalidRequest(f"Missing {name}.")
        idp_id, idp_client_id, idp_token = values["idp_id"], values["idp_client_id"], values["idp_token"]
        guard = throttling.guard_idp(login.account_key(idp_id, idp_token), request.ip)  # 429 before verifying
        try:
            user = login.authenticate(idp_id, idp_client_id, idp_token)
        except ProviderUnreachable:
            guard.refund()  # no verdict on the token
            raise TemporarilyUnavailable("The identity provider could not be reached; try again shortly.") from None
        except DATABASE_OUTAGES:
            guard.refund()
            raise
        except TokenRejected as exc:
            guard.failed()
            raise InvalidGrant(IDP_REFUSED, reason=f"idp_{exc.reason}") from None
        guard.succeeded()
        return SignedIn(application, user, scope)
