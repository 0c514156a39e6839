"""Form fields for the identity-provider admin: client IDs one per line, a static JWKS as JSON or nothing.

The model stores both as JSON (a list of strings; a JWKS object or NULL). Django's
default widget for a JSONField is a textarea of raw JSON, prefilled with `[]` or `null`,
which rejects a client ID typed as-is with "Enter a valid JSON". These fields take what
an operator pastes from the provider's console and say what is wrong with it.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput
from django.utils.translation import gettext_lazy as _

from ..idp.models import check_jwks
from ..idp.oidc import WRONG_TYPE, parse_jwks

MAX_CLIENT_ID = 255  # IdentityProvider.client_id's max_length
# A client ID is printable ASCII (RFC 6749 appendix A.1). Spaces, quotes, brackets and commas
# are refused: they mean a JSON list or a comma-separated line was pasted instead.
NOT_IN_CLIENT_ID = frozenset(" \"',[]")


def _is_client_id(value: str) -> bool:
    return bool(value) and all("!" <= char <= "~" and char not in NOT_IN_CLIENT_ID for char in value)


def check_client_id(value: str) -> None:
    """One client ID as a provider issues it (Google's `….apps.googleusercontent.com`, a Facebook App ID)."""
    if len(value) > MAX_CLIENT_ID:
        raise ValidationError(
            _("“%(id)s…” is longer than %(max)s characters; a client ID is shorter."),
            code="too_long",
            params={"id": value[:24], "max": MAX_CLIENT_ID},
        )
    if not _is_client_id(value):
        raise ValidationError(
            _("“%(id)s” is not a client ID: put one client ID per line, without quotes, brackets, commas or spaces."),
            code="invalid",
            params={"id": value},
        )


class ClientIdsWidget(forms.Textarea):
    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        defaults = {"rows": 4, "class": "vLargeTextField flex-client-ids", "spellcheck": "false"}
        super().__init__({**defaults, **(attrs or {})})


class ClientIdsField(forms.CharField):
    """A list of client IDs, one per line in a textarea; blank lines and repeats are dropped."""

    widget = ClientIdsWidget

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        for json_only in ("encoder", "decoder"):  # what the model's JSONField passes its form field
            kwargs.pop(json_only, None)
        super().__init__(strip=False, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return "\n".join(str(item) for item in value)
        return "" if value is None else value

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, (list, tuple)):
            lines = [str(item) for item in value]
        else:
            lines = str(value or "").splitlines()
        ids = [line.strip() for line in lines]
        return list(dict.fromkeys(i for i in ids if i))

    def validate(self, value: list[str]) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        errors = []
        for client_id in value:
            try:
                check_client_id(client_id)
            except ValidationError as exc:
                errors.append(exc)
        if errors:
            raise ValidationError(errors)


class JwksWidget(forms.Textarea):
    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        defaults = {"rows": 6, "class": "vLargeTextField flex-jwks", "spellcheck": "false"}
        super().__init__({**defaults, **(attrs or {})})


class JwksField(forms.JSONField):
    """A JSON Web Key Set with at least one key ID tokens can be checked with; blank is none (fetch the keys)."""

    widget = JwksWidget
    default_error_messages = {
        "invalid": _(
            'The static JWKS is not valid JSON (%(problem)s). Paste the provider\'s key set, {"keys": [...]}, '
            "or leave it blank to fetch the keys."
        ),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> str:
        if value is None:
            return ""  # not "null": blank means "fetch the keys"
        if isinstance(value, InvalidJSONInput):  # submitted text, shown back as typed
            return value
        return json.dumps(value, indent=2, ensure_ascii=False)

    def to_python(self, value: Any) -> Any:
        if self.disabled:
            return value
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            problem = f"line {exc.lineno}, column {exc.colno}: {exc.msg}"
            raise ValidationError(self.error_messages["invalid"], code="invalid", params={"problem": problem}) from None

    def bound_data(self, data: Any, initial: Any) -> Any:
        if self.disabled:
            return initial
        return None if data is None else InvalidJSONInput(data)  # shown back as typed, valid or not

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is None:
            return
        check_jwks(value)
        if all(key is WRONG_TYPE for key in parse_jwks(value).values()):
            raise ValidationError(
                _(
                    "None of the static JWKS's keys can check an ID token: an RS256 signing key "
                    '("kty": "RSA", with "n" and "e") of at least 2048 bits is needed.'
                ),
                code="no_usable_key",
            )

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(data) != initial
        except ValidationError:
            return True
