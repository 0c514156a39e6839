"""Is this a database stock django-oauth-toolkit migrated, that flex_adopt_dot has not adopted yet?"""

from __future__ import annotations

from django.db import DatabaseError, connections
from django.db.migrations.recorder import MigrationRecorder

APP = "flex_auth_django"
DOT_FIRST = ("oauth2_provider", "0001_initial")
OUR_FIRST = (APP, "0001_initial")

MESSAGE = (
    "This database was migrated by stock django-oauth-toolkit (oauth2_provider.0001_initial is "
    "applied, flex_auth_django.0001_initial is not), so `migrate` cannot apply our first migration "
    "before DOT's. Run `manage.py flex_adopt_dot`: it creates our tables and imports DOT's "
    "applications and live refresh tokens; then run `manage.py migrate`. "
    "See https://flex-auth-django.readthedocs.io/en/latest/guides/dot.html"
)


def needs_adoption(using: str = "default") -> bool:
    """True when DOT's first migration is recorded and ours is not; False also when unreadable.

    Unreadable (no database yet, no django_migrations table, a database not configured in
    tests) is not this state: `migrate` then reports what is wrong itself.
    """
    try:
        recorder = MigrationRecorder(connections[using])
        if not recorder.has_table():
            return False
        applied = recorder.applied_migrations()
    except (DatabaseError, RuntimeError):  # RuntimeError: pytest-django's "database access not allowed"
        return False
    return DOT_FIRST in applied and OUR_FIRST not in applied
