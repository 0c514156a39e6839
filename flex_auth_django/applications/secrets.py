"""Client secrets: checked in constant time, re-stored under the current digest key on use, (re)generated.

As Django's `check_password(password, encoded, setter=...)`: the stored value names how it
was made (our `hmac-sha256$<key id>$...`, or a legacy format a registered verifier knows),
and a successful check of a value made any other way than the current one re-stores the
secret as a digest under the current key. So a secret stored under a retired DIGEST_KEYS key
(or an older SECRET_KEY) moves to the new key on its next use; once every live application
has been used since the rotation, the old key can go (README, "Digest keys").

Legacy verifiers are a hook in the style of PASSWORD_HASHERS: django-oauth-toolkit's wing
registers one for the Django password hashes flex_adopt_dot imports (dot/secrets.py).
"""

from __future__ import annotations

from typing import Protocol

from django.db import transaction

from ..models import Application
from ..state import applications as held
from ..tokens import digests, generate


class SecretVerifier(Protocol):
    """A stored-secret format other than our digests (always re-stored as a digest after a success)."""

    def handles(self, stored: str) -> bool: ...

    def verify(self, secret: str, stored: str) -> bool: ...


_verifiers: list[SecretVerifier] = []


def register_verifier(verifier: SecretVerifier) -> None:
    """Add a legacy verifier (once per class: AppConfig.ready may run twice in tests)."""
    if not any(type(existing) is type(verifier) for existing in _verifiers):
        _verifiers.append(verifier)


def verify_secret(application: Application | None, secret: str | None) -> bool:
    """Constant-time secret check; runs the same digest work when there is no application.

    On success a value that is not a digest under the current key is re-stored as one
    (conditional on the value read, so concurrent first uses store it once).
    """
    stored = application.client_secret_digest if application is not None else ""
    if application is not None and secret is not None:
        for verifier in _verifiers:
            if verifier.handles(stored):
                if not verifier.verify(secret, stored):
                    return False
                _restore(application, secret, stored)
                return True
    if not (digests.verify(secret or "", stored) and application is not None and secret is not None):
        return False
    if digests.must_update(stored):
        _restore(application, secret, stored)
    return True


def _restore(application: Application, secret: str, stored: str) -> None:
    """The setter: the secret as a digest under the current key, if nothing else changed it meanwhile."""
    digest = digests.make(secret)
    Application.objects.filter(pk=application.pk, client_secret_digest=stored).update(
        client_secret_digest=digest, client_secret_last4=secret[-4:]
    )
    application.client_secret_digest, application.client_secret_last4 = digest, secret[-4:]
    held.changed(application)  # every process reads the new digest (else each would re-store it again)


def assign_new_secret(application: Application) -> str:
    """Give an unsaved (or about to be saved) application a fresh secret; returns it for showing once.

    Only the digest and the last 4 characters land on the instance; the caller saves it.
    """
    secret = generate.client_secret()
    application.client_secret_digest = digests.make(secret)
    application.client_secret_last4 = secret[-4:]
    return secret


def regenerate_secret(application: Application) -> str:
    """Replace the secret; the old one stops working as soon as this commits."""
    with transaction.atomic():
        secret = assign_new_secret(application)
        Application.objects.filter(pk=application.pk).update(
            client_secret_digest=application.client_secret_digest,
            client_secret_last4=application.client_secret_last4,
        )
        held.changed(application)  # the old secret stops working here at once, elsewhere within the interval
    return secret
