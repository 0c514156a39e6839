"""Which user an IdP account signs in as (spec: Identity-provider login, Matching).

1. An account already linked (provider + subject) signs its user in.
2. Otherwise, only when the token says its email is verified *and* exactly one active user
   has that email *and* the verified-email hook says that user's address is verified, the
   account is linked to that user and signs in. Both sides must be verified: otherwise
   whoever first registered an address (at the IdP or here) could take over the other
   side's account (pre-account takeover).
3. Otherwise nobody: the caller answers the same invalid_grant as for a bad token.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import signals
from .identity import Identity
from .models import IdentityLink, IdentityProvider
from .verified_email import is_verified


def _users_with_email(email: str) -> list[Any]:
    User = get_user_model()
    return list(User._default_manager.filter(**{f"{User.get_email_field_name()}__iexact": email})[:2])


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
        _users_with_email("")  # the same queries as a lookup that finds nobody
        return None
    candidates = _users_with_email(identity.email)
    if len(candidates) != 1:
        return None  # nobody, or an ambiguous address: never guess between accounts
    user = candidates[0]
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
    _users_with_email("")
