"""Sessions (refresh-token families) as operators see them: list the live ones, end them."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from . import signals, tokens
from .models import Session


def revoke_sessions(sessions: Iterable[Session], *, ip: str | None = None) -> int:
    """End each session (every token of its family); returns how many were still live."""
    ended = []
    with transaction.atomic():
        for session in sessions:
            if tokens.revoke_family(session.family):
                ended.append(session)
    for session in ended:
        signals.token_revoked.send(
            sender=Session,
            application=session.application,
            user=session.user,
            family=session.family,
            what="session",
            ip=ip,
        )
    return len(ended)
