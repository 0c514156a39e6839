"""Bring a database that stock django-oauth-toolkit migrated to our schema and import DOT's data."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from ...dot.adoption.detect import needs_adoption
from ...dot.adoption.importer import AdoptionError, adopt, configured_refresh_lifetime


class Command(BaseCommand):
    help = (
        "Adopt a database migrated by stock django-oauth-toolkit: create our tables, import DOT's "
        "password and confidential client-credentials applications (client IDs kept) and their live "
        "refresh tokens (as digests). DOT's tables are left as they are. Run `migrate` afterwards."
    )
    # Our own system check (flex_auth.E013) reports exactly the state this command fixes.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--dot-refresh-token-expire-seconds",
            type=int,
            default=configured_refresh_lifetime(),
            help="DOT's REFRESH_TOKEN_EXPIRE_SECONDS, if it was set: older refresh tokens are not imported "
            "(default: the OAUTH2_PROVIDER setting, else none)",
        )
        parser.add_argument("--import-only", action="store_true", help="import again into an adopted database")

    def handle(self, *args, database: str, **options) -> None:
        if not needs_adoption(database) and not options["import_only"]:
            raise CommandError(
                "Nothing to adopt: this database has no stock django-oauth-toolkit history without ours. "
                "To import DOT's applications and sessions again (what is already imported is skipped), "
                "pass --import-only."
            )
        try:
            report = adopt(database, dot_refresh_lifetime=options["dot_refresh_token_expire_seconds"])
        except AdoptionError as exc:
            raise CommandError(str(exc)) from None
        out = self.stdout.write
        if report.migrated:
            out(f"Applied {len(report.migrated)} migrations of flex_auth_django: {', '.join(report.migrated)}")
        out(f"Imported {len(report.applications)} applications:")
        for client_id, name, api_type, secret in report.applications:
            out(f"  {client_id}  {api_type:<11}  secret: {secret:<30}  {name}")
        for client_id, reason in report.skipped_applications:
            out(f"  not imported: {client_id} ({reason})")
        out(f"Imported {report.sessions} live refresh tokens (sessions), as digests only.")
        for reason, count in sorted(report.skipped_sessions.items()):
            out(f"  not imported: {count} ({reason})")
        for dot_scope, ours in sorted(report.scopes.items()):
            out(f"  DOT scope {dot_scope!r} -> {ours!r}")
        setting = report.legacy_scopes_setting()
        if setting is not None:
            out("Views that still check DOT's scopes (TokenHasScope, ScopedProtectedResourceView, ...) take the new")
            out("tokens with this line in settings.py, after FLEX_AUTH (guide: Scopes that DOT-protected views check):")
            out(f"    {setting}")
        out(self.style.SUCCESS("Done. Now run `manage.py migrate` for the remaining migrations."))
