"""Sessions (refresh-token families) as operators see them: list the live ones, end them."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from .. import tokens
from ..models import Session


def revoke_sessions(sessions: Iterable[Session], *, ip: str | None = None) -> int:
    """End each session (every token of its family); returns how many were still live."""
    with transaction.atomic():
        return sum(1 for session in sessions if tokens.revoke_session(session, ip=ip))
