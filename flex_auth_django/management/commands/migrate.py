"""Django's `migrate`, which on a stock django-oauth-toolkit database names flex_adopt_dot instead of
ending in an InconsistentMigrationHistory traceback."""

from __future__ import annotations

from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrate

from ...dot.adoption.detect import MESSAGE, needs_adoption


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        # Before the system checks run, so that --skip-checks gets the same answer.
        if needs_adoption(options["database"]):
            raise CommandError(MESSAGE)
        return super().handle(*args, **options)
