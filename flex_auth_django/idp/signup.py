"""The sign-up counterpart of auth_with_idp: a verified IdP token becomes a new, linked user.

The web template calls `current_user/create_with_idp` after `auth_with_idp` refused a
token (no account yet), then `auth_with_idp` again with the same token: nothing here
consumes the token, so that pair works. The new user's email counts as verified only
when it is the same mailbox as the one the token itself says is verified.

Which addresses are taken (409 `email-taken`): the same mailbox as an existing account's
(mailbox.py, the linking rule), and also every address the site's own email lookup takes
for an existing one: the database's case-insensitive match that EmailBackend, the
password grant and the throttle use (UPPER() on PostgreSQL, where "bob@kıwı.example"
equals "bob@kiwi.example"; ASCII only on SQLite). Such an address is another mailbox,
so it never links to the existing account; but an account created with it would make
that lookup find two users for the existing user's own address, and EmailBackend signs
neither in: a stranger could lock the existing user out of password sign-in by signing
up with a look-alike. Look-alikes that no lookup equates (the Kelvin sign, full-width
letters, another script's letters, an NFD spelling) are distinct to every email lookup
and may sign up as accounts of their own; they never sign in as the look-alike's owner.
(With Django's User the new username is the address, which create_user() normalises to
NFKC: an address whose NFKC form is an existing username is taken too, by that unique
username.)
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from .. import signals
from ..accounts import simple_upper
from ..settings import flex_settings
from .identity import TokenRejected
from .login import find_provider, verify
from .mailbox import same_mailbox, spellings, unicode_form
from .matching import MAX_CANDIDATES, burn, candidates, link, linked_user
from .verified_email import mark_verified


class SignupRefused(Exception):
    """A refusal the sign-up endpoint reports as a JSON:API error (status, code, title)."""

    status = 400
    code = "bad-request"
    title = "The user could not be created."


class EmailTaken(SignupRefused):
    status = 409
    code = "email-taken"
    title = "The email address is already in use."


class AlreadyLinked(SignupRefused):
    status = 409
    code = "conflict"
    title = "This identity provider account already belongs to a user; sign in with it instead."


class InvalidEmail(SignupRefused):
    code = "validation-invalid-value"
    title = "A valid email address is needed (the token has none; send email)."


logger = logging.getLogger("flex_auth_django.security")
SIGNUP_LOCK_SECONDS = 30


@contextmanager
def _signing_up(email: str) -> Iterator[None]:
    """One sign-up per address at a time (across processes, through the cache).

    The user model need not have a unique email, so two concurrent sign-ups could both
    find the address free; the second one is told it is taken. The lock is keyed on the
    address in U-label form, upper-cased a character at a time (as PostgreSQL's UPPER()),
    so spellings of one mailbox and look-alikes the lookup equates take the same lock.
    """
    folded = simple_upper(unicode_form(email))
    key = "flex-auth:idp-signup:" + hashlib.sha256(folded.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    cache = caches[flex_settings.IDP_CACHE]
    try:
        acquired = cache.add(key, 1, timeout=SIGNUP_LOCK_SECONDS)
    except Exception as exc:  # noqa: BLE001 - any cache backend error: the database check still runs
        logger.warning("event=idp_cache_unavailable error=%s", type(exc).__name__)
        yield
        return
    if not acquired:
        raise EmailTaken()
    try:
        yield
    finally:
        try:
            cache.delete(key)
        except Exception as exc:  # noqa: BLE001 - the lock expires by itself
            logger.warning("event=idp_cache_unavailable error=%s", type(exc).__name__)


def _email_taken(email: str) -> bool:
    """Whether an account has this mailbox, or an address the site's email lookup equates with it (module docstring)."""
    User = get_user_model()
    if User._default_manager.filter(**{f"{User.get_email_field_name()}__iexact": email.strip()}).exists():
        return True  # what EmailBackend's lookup would find for this address
    if len(spellings(email)) == 1:
        return False  # no other form of the domain to look for
    found = candidates(email)  # the domain's A-label and U-label forms too
    if len(found) >= MAX_CANDIDATES:
        return True  # more look-alikes than we read: refuse rather than miss one
    return any(same_mailbox(getattr(user, User.get_email_field_name(), ""), email) for user in found)


def create_user_with_idp(
    *,
    idp_id: str,
    idp_client_id: str,
    idp_token: str,
    email: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    public_data: Mapping[str, Any] | None = None,
    private_data: Mapping[str, Any] | None = None,
    protected_data: Mapping[str, Any] | None = None,
) -> Any:
    """The new user, linked to the token's IdP account; `signals.user_created_with_idp` gets the extended data.

    Raises TokenRejected (bad token or provider), ProviderUnreachable (no verdict),
    EmailTaken, AlreadyLinked or InvalidEmail, or the SignupRefused a receiver raised.
    """
    provider = find_provider(idp_id, idp_client_id)
    if provider is None:
        burn()
        raise TokenRejected("unknown_idp")
    identity = verify(provider, idp_token)
    if linked_user(provider, identity.subject) is not None:
        raise AlreadyLinked()
    address = (email or identity.email or "").strip()
    try:
        validate_email(address)
    except ValidationError:
        raise InvalidEmail() from None
    User = get_user_model()
    normalize = getattr(User._default_manager, "normalize_email", None)
    if normalize is not None:
        address = normalize(address)  # what create_user() stores (its domain lower-cased): check that
    fields: dict[str, Any] = {User.get_email_field_name(): address}
    if User.USERNAME_FIELD != User.get_email_field_name():
        fields[User.USERNAME_FIELD] = address
    for name, value in (
        ("first_name", first_name or identity.first_name),
        ("last_name", last_name or identity.last_name),
    ):
        if value and any(f.name == name for f in User._meta.get_fields()):
            fields[name] = value[:150]
    try:
        with _signing_up(address), transaction.atomic():
            if _email_taken(address):
                raise EmailTaken()
            user = User._default_manager.create_user(password=None, **fields)  # no usable password
            if not link(provider, identity.subject, user, how="signup"):
                raise AlreadyLinked()  # linked concurrently: the user just created is rolled back
            if identity.email_verified and same_mailbox(identity.email, address):
                mark_verified(user)
            signals.user_created_with_idp.send(
                sender=type(user),
                user=user,
                provider=provider,
                public_data=dict(public_data or {}),
                private_data=dict(private_data or {}),
                protected_data=dict(protected_data or {}),
            )  # inside the transaction: a receiver's writes and refusals go with the user
    except IntegrityError:
        raise EmailTaken() from None  # a concurrent sign-up (or a username) took it
    return user
