"""`current_user/create_with_idp` for the site's Marketplace API (DRF), as `sdk.currentUser.createWithIdp()` calls it.

Body (camelCase, as the SDK sends it): idpId, idpClientId, idpToken, and optionally email,
firstName, lastName. Any Marketplace token may call it (the SDK sends its anonymous one).
Answers 200 with the new user; 401 for a token that is not accepted (the same for every
reason), 409 `email-taken`, 409 `conflict` for an account that is already linked, 429,
503 when the provider cannot be reached. Errors are JSON:API `{"errors": [...]}`, as the
SDKs and the web template read them. Sites subclass it to render their own user
resource (`render_user`) or to accept Transit (`parser_classes`); the example site does both.
"""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import APIView

from .. import throttling
from ..authentication import FlexTokenAuthentication
from ..db.outages import DATABASE_OUTAGES
from ..errors import TemporarilyUnavailable, TooManyRequests
from ..http import client_ip
from ..permissions import RequirePublicRead
from .fetch import ProviderUnreachable
from .identity import TokenRejected
from .login import account_key
from .signup import SignupRefused, create_user_with_idp

REQUIRED = ("idpId", "idpClientId", "idpToken")
MAX_FIELD = 4096


def error(status: int, code: str, title: str, headers: dict[str, str] | None = None) -> Response:
    return Response({"errors": [{"status": status, "code": code, "title": title}]}, status=status, headers=headers)


class CreateUserWithIdpView(APIView):
    authentication_classes = [FlexTokenAuthentication]
    permission_classes = [RequirePublicRead]

    def render_user(self, user: Any) -> dict[str, Any]:
        return {
            "data": {
                "id": str(user.pk),
                "type": "currentUser",
                "attributes": {"email": getattr(user, user.get_email_field_name(), "")},
            }
        }

    def post(self, request) -> Response:
        data = request.data if hasattr(request.data, "get") else {}
        values = {name: data.get(name) for name in (*REQUIRED, "email", "firstName", "lastName")}
        for name, value in values.items():
            if value is not None and (not isinstance(value, str) or len(value) > MAX_FIELD):
                return error(400, "validation-invalid-value", f"{name} must be a string.")
        missing = [name for name in REQUIRED if not values[name]]
        if missing:
            return error(400, "validation-missing-key", f"Missing {', '.join(missing)}.")
        try:
            guard = throttling.guard_idp(account_key(values["idpId"], values["idpToken"]), client_ip(request))
        except TooManyRequests as exc:
            return error(429, "too-many-requests", "Too many attempts; try again later.", exc.headers)
        except TemporarilyUnavailable as exc:
            return error(503, "temporarily-unavailable", "Try again shortly.", exc.headers)
        try:
            user = create_user_with_idp(
                idp_id=values["idpId"],
                idp_client_id=values["idpClientId"],
                idp_token=values["idpToken"],
                email=values["email"],
                first_name=values["firstName"],
                last_name=values["lastName"],
            )
        except TokenRejected:
            guard.failed()
            return error(401, "idp-token-invalid", "The identity provider token was not accepted.")
        except ProviderUnreachable:
            guard.refund()
            return error(
                503, "temporarily-unavailable", "The identity provider could not be reached; try again shortly."
            )
        except SignupRefused as exc:
            guard.refund()  # the token was genuine
            return error(exc.status, exc.code, exc.title)
        except DATABASE_OUTAGES:
            guard.refund()
            raise
        guard.succeeded()
        return Response(self.render_user(user), status=200)
