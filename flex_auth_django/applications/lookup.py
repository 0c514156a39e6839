"""Finding an application by the client ID a request presents, and recording its use."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ..models import Application
from ..settings import flex_settings
from ..state import applications as held


def find(client_id: str | None) -> Application | None:
    """The application with this client ID, active or not: from this process's memory, a query
    the first time (state/applications.py); an unknown client ID costs no query.

    A UUID only in its canonical form; any other string only if it has the shape of a client
    ID imported from django-oauth-toolkit, and then only among the imported ones.
    """
    return held.find(client_id)


def touch(application: Application) -> None:
    """Record use, at most once per LAST_USED_RESOLUTION so a token costs no extra UPDATE."""
    now = timezone.now()
    resolution = timedelta(seconds=flex_settings.LAST_USED_RESOLUTION)
    if application.last_used is None or now - application.last_used >= resolution:
        Application.objects.filter(pk=application.pk).update(last_used=now)
        application.last_used = now
        held.used(application)
