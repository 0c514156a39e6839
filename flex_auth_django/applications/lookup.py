"""Finding an application by the client ID a request presents, and recording its use."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ..db import statements
from ..models import Application
from ..protocol import client_ids
from ..settings import flex_settings


def find(client_id: str | None) -> Application | None:
    """The application with this client ID, active or not: one query.

    A UUID only in its canonical form; any other string only if it has the shape of a client
    ID imported from django-oauth-toolkit, and then only among the imported ones.
    """
    parsed = client_ids.client_uuid(client_id)
    if parsed is not None:
        return statements.get(Application, "client_id", parsed)
    legacy = client_ids.legacy_client_id(client_id)
    if legacy is None:
        return None
    return statements.get(Application, "legacy_client_id", legacy)


def touch(application: Application) -> None:
    """Record use, at most once per LAST_USED_RESOLUTION so a token costs no extra UPDATE."""
    now = timezone.now()
    resolution = timedelta(seconds=flex_settings.LAST_USED_RESOLUTION)
    if application.last_used is None or now - application.last_used >= resolution:
        Application.objects.filter(pk=application.pk).update(last_used=now)
        application.last_used = now
