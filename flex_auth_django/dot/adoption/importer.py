"""flex_adopt_dot's work: our schema on a stock DOT database, then DOT's applications and live sessions as ours.

DOT's tables are read with plain SQL (its models are swapped out by then) and left as they
were: nothing of DOT's is changed or deleted, so the import can be checked, re-run (what is
already imported is skipped) or undone by dropping our tables.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ... import applications
from ...models import ApiType, Application, RefreshToken, TokenKind
from ...protocol import client_ids
from ...tokens import digests, kinds
from ...tokens.issuing import refresh_expiry
from .. import refresh_tokens as legacy
from .. import secrets as dot_secrets
from .detect import APP, DOT_FIRST

DOT_APPLICATIONS = "oauth2_provider_application"
DOT_REFRESH_TOKENS = "oauth2_provider_refreshtoken"
DOT_ACCESS_TOKENS = "oauth2_provider_accesstoken"

# DOT's authorization_grant_type and client_type -> our API type (issue 14): a confidential
# client-credentials app is a server that authenticates as itself (Integration); a password
# app signs users in (Marketplace). DOT's other grants have no counterpart here.
API_TYPES = {
    ("client-credentials", "confidential"): ApiType.INTEGRATION,
    ("password", "confidential"): ApiType.MARKETPLACE,
    ("password", "public"): ApiType.MARKETPLACE,
}
SESSION_KINDS = {ApiType.MARKETPLACE: TokenKind.USER, ApiType.INTEGRATION: TokenKind.INTEGRATION}


def configured_refresh_lifetime() -> int | None:
    """DOT's REFRESH_TOKEN_EXPIRE_SECONDS as the site's OAUTH2_PROVIDER setting has it (None: never)."""
    from oauth2_provider.settings import oauth2_settings

    return oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS


class AdoptionError(Exception):
    """The database is not one flex_adopt_dot can adopt (for example DOT's tables are missing)."""


@dataclass
class Report:
    migrated: list[str] = field(default_factory=list)
    applications: list[tuple[str, str, str, str]] = field(default_factory=list)  # client ID, name, API type, secret
    skipped_applications: list[tuple[str, str]] = field(default_factory=list)  # client ID, reason
    sessions: int = 0
    skipped_sessions: Counter = field(default_factory=Counter)  # reason -> rows
    scopes: dict[str, str] = field(default_factory=dict)  # DOT scope -> ours
    # Each scope name DOT's tokens carried -> the scopes of ours its applications' tokens have
    # now: what FLEX_AUTH['LEGACY_SCOPES'] should say for views that still check the old names.
    legacy_scopes: dict[str, set[str]] = field(default_factory=dict)

    def legacy_scopes_setting(self) -> str | None:
        """The settings line to paste, or None when DOT's tokens named no scope to map."""
        from ...tokens import scopes

        mapping = {name: sorted(t) for name, t in sorted(self.legacy_scopes.items()) if name not in scopes.names()}
        if not mapping:
            return None
        entries = ", ".join(
            f'"{name}": ' + (f'"{t[0]}"' if len(t) == 1 else "[" + ", ".join(f'"{x}"' for x in t) + "]")
            for name, t in mapping.items()
        )
        return f'FLEX_AUTH["LEGACY_SCOPES"] = {{{entries}}}'


def adopt(using: str = "default", *, dot_refresh_lifetime: int | None = None) -> Report:
    """Migrate our app on `using`, then import DOT's applications and live refresh tokens (one transaction)."""
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    missing = {DOT_APPLICATIONS, DOT_REFRESH_TOKENS, DOT_ACCESS_TOKENS} - tables
    if missing:
        raise AdoptionError(
            f"django-oauth-toolkit's tables {', '.join(sorted(missing))} are missing: only a database with "
            "DOT's own (not swapped) application and token models can be adopted."
        )
    report = Report(migrated=migrate_our_app(using))
    with transaction.atomic(using=using):
        imported = _import_applications(using, report)
        _import_sessions(using, imported, report, dot_refresh_lifetime)
    _find_legacy_scopes(using, imported, report)
    return report


def migrate_our_app(using: str) -> list[str]:
    """Apply our migrations although DOT's, which must come after them, are applied already.

    `migrate` refuses (its history check wants ours first), and the executor cannot either
    while DOT's migrations count as applied: their models point at our swapped-in models, which
    do not exist yet. So DOT's rows in django_migrations, and those of every migration that
    depends on them, are set aside, ours are applied to a history without them, and the rows
    are put back as they were (also when a migration fails). DOT's tables are not touched.
    """
    connection = connections[using]
    recorder = MigrationRecorder(connection)
    loader = MigrationLoader(connection)
    after_dot = set(loader.graph.backwards_plan(DOT_FIRST))  # DOT_FIRST and everything depending on it
    set_aside = [row for row in recorder.migration_qs.order_by("id") if (row.app, row.name) in after_dot]
    recorder.migration_qs.filter(pk__in=[row.pk for row in set_aside]).delete()
    try:
        executor = MigrationExecutor(connection)
        targets = [node for node in executor.loader.graph.leaf_nodes() if node[0] == APP]
        plan = executor.migration_plan(targets)
        if plan:
            executor.migrate(targets, plan=plan)
    finally:
        recorder.migration_qs.bulk_create(
            [recorder.Migration(app=row.app, name=row.name, applied=row.applied) for row in set_aside]
        )
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def _columns(using: str, table: str) -> set[str]:
    connection = connections[using]
    with connection.cursor() as cursor:
        return {column.name for column in connection.introspection.get_table_description(cursor, table)}


def _rows(using: str, sql: str) -> list[dict[str, object]]:
    with connections[using].cursor() as cursor:
        cursor.execute(sql)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _when(value) -> datetime | None:
    """A timestamp as read with plain SQL (SQLite gives text), aware in UTC."""
    if value is None or isinstance(value, datetime):
        parsed = value
    else:
        parsed = parse_datetime(str(value))
    if parsed is not None and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _name(raw: object, client_id: str) -> str:
    try:
        return applications.clean_name(str(raw or ""))
    except ValueError:
        text = str(raw or "").strip()
        return text[:255] if text else f"Imported from django-oauth-toolkit ({client_id[:40]})"


def _secret(row: dict[str, object]) -> tuple[str, str] | str:
    """(stored value, last 4) for our row, or the reason the secret cannot be imported."""
    secret = str(row["client_secret"] or "")
    hashed = bool(row["hash_client_secret"]) if "hash_client_secret" in row else dot_secrets.is_dot_hash(secret)
    if not secret:
        return "", ""
    if not hashed:
        return digests.make(secret), secret[-4:]
    if not dot_secrets.is_dot_hash(secret):
        return "its secret is hashed with a hasher missing from PASSWORD_HASHERS"
    if len(secret) > Application._meta.get_field("client_secret_digest").max_length:
        return "its hashed secret is longer than 255 characters"
    return secret, ""  # checked with DOT's hasher until first use (applications.verify_secret)


def _import_applications(using: str, report: Report) -> dict[int, Application]:
    """DOT application id -> our application, for every DOT application imported now or before."""
    columns = ["id", "client_id", "client_type", "authorization_grant_type", "client_secret", "name", "created"]
    if "hash_client_secret" in _columns(using, DOT_APPLICATIONS):
        columns.append("hash_client_secret")
    sql = f"SELECT {', '.join(columns)} FROM {DOT_APPLICATIONS} ORDER BY id"  # noqa: S608 (constant names)
    imported: dict[int, Application] = {}
    for row in _rows(using, sql):
        client_id = str(row["client_id"])
        api_type = API_TYPES.get((row["authorization_grant_type"], row["client_type"]))
        if api_type is None:
            reason = f"{row['client_type']} {row['authorization_grant_type']} applications have no counterpart here"
            report.skipped_applications.append((client_id, reason))
            continue
        as_uuid = client_ids.client_uuid(client_id)
        as_legacy = client_ids.legacy_client_id(client_id)
        if as_uuid is None and as_legacy is None:
            reason = "its client ID has characters other than letters, digits and ._~- (or over 100)"
            report.skipped_applications.append((client_id, reason))
            continue
        existing = Application.objects.filter(
            **({"client_id": as_uuid} if as_uuid is not None else {"legacy_client_id": as_legacy})
        ).first()
        if existing is not None:
            imported[row["id"]] = existing
            report.skipped_applications.append((client_id, "already imported"))
            continue
        secret = _secret(row)
        if isinstance(secret, str):
            report.skipped_applications.append((client_id, secret))
            continue
        application = Application(
            name=_name(row["name"], client_id),
            api_type=api_type,
            client_id=as_uuid or uuid.uuid4(),
            legacy_client_id=as_legacy,
            client_secret_digest=secret[0],
            client_secret_last4=secret[1],
            created=_when(row["created"]) or timezone.now(),
        )
        application.save(using=using)
        imported[row["id"]] = application
        kept = "none" if not secret[0] else ("hashed, upgraded on first use" if not secret[1] else "digest")
        report.applications.append((client_id, application.name, api_type, kept))
    return imported


def _import_sessions(
    using: str, imported: dict[int, Application], report: Report, dot_refresh_lifetime: int | None
) -> None:
    """Each live DOT refresh token becomes the first generation of a session of ours, as a digest only."""
    refresh_columns = _columns(using, DOT_REFRESH_TOKENS)
    checksum = ", r.token_checksum" if "token_checksum" in refresh_columns else ""
    sql = (
        f"SELECT r.id, r.token, r.application_id, r.user_id, r.created, a.scope{checksum} "  # noqa: S608
        f"FROM {DOT_REFRESH_TOKENS} r LEFT JOIN {DOT_ACCESS_TOKENS} a ON a.id = r.access_token_id "
        "WHERE r.revoked IS NULL ORDER BY r.id"
    )
    now = timezone.now()
    rows = []
    for row in _rows(using, sql):
        reason, new = _session(row, imported, now, dot_refresh_lifetime, report)
        if reason is not None:
            report.skipped_sessions[reason] += 1
        else:
            rows.append(new)
    taken = set(
        RefreshToken.objects.using(using).filter(digest__in=[r.digest for r in rows]).values_list("digest", flat=True)
    )
    fresh = [r for r in rows if r.digest not in taken]
    report.skipped_sessions["already imported"] += len(rows) - len(fresh)
    RefreshToken.objects.using(using).bulk_create(fresh, batch_size=500)
    report.sessions = len(fresh)
    report.skipped_sessions = Counter({k: v for k, v in report.skipped_sessions.items() if v})


def _find_legacy_scopes(using: str, imported: dict[int, Application], report: Report) -> None:
    """Every scope name on DOT's access tokens (live or not: the names the site's views check) of
    an imported application, with the scope that application's tokens carry here."""
    sql = f"SELECT DISTINCT application_id, scope FROM {DOT_ACCESS_TOKENS}"  # noqa: S608 (constant name)
    for row in _rows(using, sql):
        application = imported.get(row["application_id"])
        if application is None:
            continue
        ours = kinds.kind(SESSION_KINDS[application.api_type]).scope
        for name in str(row["scope"] or "").split():
            report.legacy_scopes.setdefault(name, set()).add(ours)


def _session(row, imported, now, dot_refresh_lifetime, report) -> tuple[str | None, RefreshToken | None]:
    application = imported.get(row["application_id"])
    if application is None:
        return "its application was not imported", None
    kind = SESSION_KINDS[application.api_type]
    if (kind == TokenKind.USER) != (row["user_id"] is not None):
        return "a Marketplace session needs a user and an Integration session has none", None
    token = str(row["token"] or "")
    dot_checksum = str(row.get("token_checksum") or "") or (legacy.checksum(token) if token else "")
    if not dot_checksum:
        return "neither the token nor its checksum is stored", None
    if token and legacy.lookup_value(token) is None:
        return "its token string has a shape this server does not accept", None
    created = _when(row["created"]) or now
    expires = refresh_expiry(now, now)  # our lifetimes, counted from the import
    if dot_refresh_lifetime is not None:
        expires = min(expires, created + timedelta(seconds=dot_refresh_lifetime))
    if expires <= now:
        return "expired", None
    scope = kinds.kind(kind).scope
    report.scopes[str(row["scope"] or "(none)")] = scope
    return None, RefreshToken(
        digest=legacy.digest_of_checksum(dot_checksum),
        application=application,
        user_id=row["user_id"],
        kind=kind,
        scope=scope,
        family=uuid.uuid4(),
        family_started=now,
        created=created,
        expires=expires,
    )
