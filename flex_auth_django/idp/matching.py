"""Which user an IdP account signs in as (spec: Identity-provider login, Matching).

1. An account already linked (provider + subject) signs its user in.
2. Otherwise, only when the token says its email is verified *and* exactly one user has
   the same mailbox (mailbox.py: the domain after IDNA encoding, the local part up to ASCII
   case; never a Unicode fold) *and* that user is active *and* the verified-email hook says
   that user's address is verified, the account is linked to that user and signs in. Both
   sides must be verified: otherwise whoever first registered an address (at the IdP or
   here) could take over the other side's account (pre-account takeover).
3. Otherwise nobody: the caller answers the same invalid_grant as for a bad token.

The database only narrows the candidates: its case-insensitive match (UPPER() on
PostgreSQL) equates look-alikes such as "bob@kıwı.example" and "bob@kiwi.example", two
different mailboxes, so the decision is same_mailbox() on each candidate, in Python.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .. import signals
from .identity import Identity
from .mailbox import same_mailbox, spellings
from .models import IdentityLink, IdentityProvider
from .verified_email import is_verified, user_email

# Candidates read at most: look-alikes the database equates come along and are dropped in
# Python; with this many, the lookup gives up (nobody) rather than guess it saw them all.
MAX_CANDIDATES = 10
NOBODY = "nobody@flex-auth.invalid"  # a lookup's shape with no match (.invalid is reserved: RFC 2606)


def candidates(email: str) -> list[Any]:
    """Users whose email the database matches case-insensitively with any spelling of `email` (one query)."""
    User = get_user_model()
    field = f"{User.get_email_field_name()}__iexact"
    where = reduce(or_, (Q(**{field: spelling}) for spelling in spellings(email)))
    return list(User._default_manager.filter(where).order_by("pk")[:MAX_CANDIDATES])


def users_with_mailbox(email: str) -> list[Any] | None:
    """The users whose email is the same mailbox as `email`; None when there were too many candidates to tell."""
    found = candidates(email)
    if len(found) >= MAX_CANDIDATES:
        return None
    return [user for user in found if same_mailbox(user_email(user), email)]


def linked_user(provider: IdentityProvider, subject: str) -> Any | None:
    link = IdentityLink.objects.select_related("user").filter(provider=provider, subject=subject).first()
    if link is None:
        return None
    IdentityLink.objects.filter(pk=link.pk).update(last_login=timezone.now())
    return link.user


def link(provider: IdentityProvider, subject: str, user: Any, *, how: str) -> bool:
    """Link the account to `user`; False when it is already linked (to anyone: a concurrent link won)."""
    try:
        with transaction.atomic():
            IdentityLink.objects.create(provider=provider, subject=subject, user=user, last_login=timezone.now())
    except IntegrityError:
        return False
    signals.identity_linked.send(sender=IdentityLink, provider=provider, user=user, how=how)
    return True


def match(provider: IdentityProvider, identity: Identity) -> Any | None:
    """The user this account signs in as, linking it on a verified-email match; None for nobody."""
    user = linked_user(provider, identity.subject)
    if user is not None:
        return user if user.is_active else None
    if not identity.email_verified or not identity.email:
        candidates(NOBODY)  # the same queries as a lookup that finds nobody
        return None
    users = users_with_mailbox(identity.email)
    if users is None or len(users) != 1:
        return None  # nobody, or an ambiguous address: never guess between accounts
    user = users[0]
    if not user.is_active or not is_verified(user):
        return None
    if not link(provider, identity.subject, user, how="email"):
        return _winner(provider, identity.subject, user)
    return user


def _winner(provider: IdentityProvider, subject: str, user: Any) -> Any | None:
    """A concurrent request linked the account first: sign in only if it linked the same user."""
    winner = IdentityLink.objects.filter(provider=provider, subject=subject).values_list("user_id", flat=True).first()
    return user if winner == user.pk else None


def burn() -> None:
    """The queries of a match that finds nobody, for refusals that never reach matching (equal timing)."""
    IdentityLink.objects.filter(provider_id=-1, subject="").first()
    candidates(NOBODY)
