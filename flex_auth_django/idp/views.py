"""`current_user/create_with_idp` for the site's Marketplace API (DRF), as `sdk.currentUser.createWithIdp()` calls it.

Body (camelCase, as the SDK sends it): idpId, idpClientId, idpToken, and optionally email,
firstName, lastName, and the extended data publicData, privateData and protectedData
(JSON objects of at most MAX_EXTENDED_DATA characters of JSON each; anything else is 400
`validation-invalid-value`), which the signal `user_created_with_idp` hands the site with
the new user. Any Marketplace token may call it (the SDK sends its anonymous one).
Answers 200 with the new user; 401 for a token that is not accepted (the same for every
reason), 409 `email-taken`, 409 `conflict` for an account that is already linked, 429,
503 when the provider cannot be reached. Errors are JSON:API `{"errors": [...]}`, as the
SDKs and the web template read them. Sites subclass it to render their own user
resource (`render_user`) or to accept Transit (`parser_classes`); the example site does both.
"""

from __future__ import annotations

import json
from typing import Any

from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import throttling
from ..db.outages import DATABASE_OUTAGES
from ..protocol.errors import ApiError, TemporarilyUnavailable
from ..protocol.failures import as_error, json_api
from ..protocol.http import client_ip
from ..resource.authentication import FlexTokenAuthentication
from ..resource.permissions import RequirePublicRead
from .fetch import ProviderUnreachable
from .identity import TokenRejected
from .login import account_key
from .signup import SignupRefused, create_user_with_idp

REQUIRED = ("idpId", "idpClientId", "idpToken")
MAX_FIELD = 4096
EXTENDED_DATA = {"publicData": "public_data", "privateData": "private_data", "protectedData": "protected_data"}
MAX_EXTENDED_DATA = 50_000  # characters of compact JSON per object, as Sharetribe bounds extended data


def extended_data(value: Any) -> dict[str, Any] | None:
    """The value as a JSON object within MAX_EXTENDED_DATA, {} for none; None when it is not one."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        return None
    try:  # Transit values (UUIDs, dates) count as their text
        size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str))
    except (TypeError, ValueError, RecursionError):
        return None
    return value if size <= MAX_EXTENDED_DATA else None


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
        try:
            return self.create(request)
        except APIException as exc:  # DRF's own refusals while reading the body (a malformed Transit body)
            return json_api(ApiError(exc.status_code, "bad-request", str(exc.detail)))
        except Exception as exc:  # noqa: BLE001 - every failure in the JSON:API envelope; as_error logs bugs
            return json_api(as_error(exc, type(self).__name__))

    def create(self, request) -> Response:
        try:
            data = request.data if hasattr(request.data, "get") else {}
        except RecursionError:  # nested deeper than the parser recurses: input, not a bug
            raise ApiError(400, "bad-request", "The request body is nested too deeply.") from None
        values = {name: data.get(name) for name in (*REQUIRED, "email", "firstName", "lastName")}
        for name, value in values.items():
            if value is not None and (not isinstance(value, str) or len(value) > MAX_FIELD):
                raise ApiError(400, "validation-invalid-value", f"{name} must be a string.")
        extended = {argument: extended_data(data.get(name)) for name, argument in EXTENDED_DATA.items()}
        for name, argument in EXTENDED_DATA.items():
            if extended[argument] is None:
                title = f"{name} must be a JSON object of at most {MAX_EXTENDED_DATA:,} characters."
                raise ApiError(400, "validation-invalid-value", title)
        missing = [name for name in REQUIRED if not values[name]]
        if missing:
            raise ApiError(400, "validation-missing-key", f"Missing {', '.join(missing)}.")
        # 429 too-many-requests, or 503 while the throttle's cache is down, before any verification.
        guard = throttling.guard_idp(account_key(values["idpId"], values["idpToken"]), client_ip(request))
        try:
            user = create_user_with_idp(
                idp_id=values["idpId"],
                idp_client_id=values["idpClientId"],
                idp_token=values["idpToken"],
                email=values["email"],
                first_name=values["firstName"],
                last_name=values["lastName"],
                **extended,
            )
        except TokenRejected:
            guard.failed()
            raise ApiError(401, "idp-token-invalid", "The identity provider token was not accepted.") from None
        except ProviderUnreachable:
            guard.refund()
            raise TemporarilyUnavailable("The identity provider could not be reached; try again shortly.") from None
        except SignupRefused as exc:
            guard.refund()  # the token was genuine
            raise ApiError(exc.status, exc.code, exc.title) from None
        except DATABASE_OUTAGES:
            guard.refund()
            raise
        guard.succeeded()
        return Response(self.render_user(user), status=200)
