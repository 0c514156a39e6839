"""The system check that names flex_adopt_dot when a stock DOT database is waiting to be adopted.

Not tagged `database`: `manage.py check` must say it (a DOT site adding this app runs that
first). It reads django_migrations only, and says nothing when the database cannot be read.
"""

from __future__ import annotations

from django.core import checks
from django.db import connections

from .detect import MESSAGE, needs_adoption


@checks.register()
def check_dot_adoption(app_configs, databases=None, **kwargs) -> list[checks.CheckMessage]:
    for alias in databases or ["default"]:
        if alias in connections and needs_adoption(alias):
            return [
                checks.Error(
                    MESSAGE,
                    hint="manage.py flex_adopt_dot && manage.py migrate",
                    id="flex_auth.E013",
                )
            ]
    return []
