"""Application service: find applications by client ID, check their secrets, create them, (re)generate
their one-time-shown secrets, switch them on and off."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import access_model, authorization, dot_secrets, tokens
from .db import statements
from .login_as import marketplace_url
from .models import AccessToken, ApiType, Application, RefreshToken, Session
from .settings import flex_settings
from .tokens import digests, generate


def find(client_id: str | None) -> Application | None:
    """The application with this client ID, active or not: one query.

    A UUID only in its canonical form; any other string only if it has the shape of a client
    ID imported from django-oauth-toolkit, and then only among the imported ones.
    """
    parsed = authorization.client_uuid(client_id)
    if parsed is not None:
        return statements.get(Application, "client_id", parsed)
    legacy = authorization.legacy_client_id(client_id)
    if legacy is None:
        return None
    return statements.get(Application, "legacy_client_id", legacy)


def verify_secret(application: Application | None, secret: str | None) -> bool:
    """Constant-time secret check; runs the same digest work when there is no application.

    A secret imported hashed from django-oauth-toolkit is checked with DOT's hasher (a Django
    password hash) until its first success, which re-stores it as our digest.
    """
    stored = application.client_secret_digest if application is not None else ""
    if application is not None and secret is not None and dot_secrets.is_dot_hash(stored):
        return _upgrade_dot_secret(application, secret, stored)
    return digests.verify(secret or "", stored) and application is not None and secret is not None


def _upgrade_dot_secret(application: Application, secret: str, stored: str) -> bool:
    if not dot_secrets.verify(secret, stored):
        return False
    digest = digests.make(secret)
    # Conditional on the old hash: concurrent first uses store the same digest once.
    Application.objects.filter(pk=application.pk, client_secret_digest=stored).update(
        client_secret_digest=digest, client_secret_last4=secret[-4:]
    )
    application.client_secret_digest, application.client_secret_last4 = digest, secret[-4:]
    return True


def touch(application: Application) -> None:
    """Record use, at most once per LAST_USED_RESOLUTION so a token costs no extra UPDATE."""
    now = timezone.now()
    resolution = timedelta(seconds=flex_settings.LAST_USED_RESOLUTION)
    if application.last_used is None or now - application.last_used >= resolution:
        Application.objects.filter(pk=application.pk).update(last_used=now)
        application.last_used = now


def assign_new_secret(application: Application) -> str:
    """Give an unsaved (or about to be saved) application a fresh secret; returns it for showing once.

    Only the digest and the last 4 characters land on the instance; the caller saves it.
    """
    secret = generate.client_secret()
    application.client_secret_digest = digests.make(secret)
    application.client_secret_last4 = secret[-4:]
    return secret


def clean_name(name: str) -> str:
    """An application's name, stripped; ValueError when it is blank or longer than the column.

    Checked here, before any INSERT, so a bad name is a clear message and never a
    database error (PostgreSQL's DataError for a value too long; SQLite would store it).
    """
    cleaned = (name or "").strip()
    if not cleaned:
        raise ValueError("the name must not be empty")
    limit = Application._meta.get_field("name").max_length
    if len(cleaned) > limit:
        raise ValueError(f"the name must be at most {limit} characters (it has {len(cleaned)})")
    return cleaned


def clean_marketplace_url(api_type: str, value: str) -> str:
    """The Marketplace URL as stored (an origin without trailing slash); ValueError when it cannot be one."""
    try:
        cleaned = marketplace_url.clean(value)
    except ValidationError as exc:
        raise ValueError(" ".join(str(m) for m in exc.messages)) from None
    if cleaned and api_type != ApiType.MARKETPLACE:
        raise ValueError("Only Marketplace applications have a Marketplace URL.")
    return cleaned


def create_application(name: str, api_type: str, *, marketplace_url: str = "") -> tuple[Application, str]:
    """A new application and its client secret; the secret is not stored and cannot be shown again."""
    if api_type not in ApiType.values:
        raise ValueError(f"api_type must be one of {', '.join(ApiType.values)}")
    application = Application(
        name=clean_name(name), api_type=api_type, marketplace_url=clean_marketplace_url(api_type, marketplace_url)
    )
    secret = assign_new_secret(application)
    application.save()
    return application, secret


def regenerate_secret(application: Application) -> str:
    """Replace the secret; the old one stops working as soon as this commits."""
    with transaction.atomic():
        secret = assign_new_secret(application)
        Application.objects.filter(pk=application.pk).update(
            client_secret_digest=application.client_secret_digest,
            client_secret_last4=application.client_secret_last4,
        )
    return secret


def set_marketplace_url(application: Application, value: str) -> None:
    """Set (or with "" clear) the Marketplace URL; ValueError when it is not a valid one."""
    application.marketplace_url = clean_marketplace_url(application.api_type, value)
    Application.objects.filter(pk=application.pk).update(marketplace_url=application.marketplace_url)


def set_active(application: Application, active: bool) -> bool:
    """Switch an application on or off; returns whether anything changed.

    An inactive application gets invalid_client at every endpoint and its tokens stop
    working (AccessToken.is_live), but they are not revoked: reactivating brings back
    the ones that have not expired. Revoke them (tokens.revoke_for) to end them for good.
    """
    changed = Application.objects.filter(pk=application.pk).exclude(is_active=active).update(is_active=active)
    application.is_active = active
    if changed:
        tokens.application_changed(application)  # signed tokens: every process sees it on its next request
    return bool(changed)


def revoke_tokens(application: Application, *, ip: str | None = None) -> int:
    """Revoke every token of an application (all its sessions end); returns how many rows changed."""
    return tokens.revoke_for(application=application, ip=ip)


def _count(queryset: QuerySet) -> Coalesce:
    counted = queryset.order_by().values("application").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_activity(queryset: QuerySet, now: datetime | None = None) -> QuerySet:
    """Annotate each application with `tokens_24h` (access tokens issued in the last 24 hours)
    and `live_sessions`, as correlated subqueries: one query however many rows are listed.

    A signed access token has no row; one of a session is counted through the refresh token
    issued with it (each issue or refresh of a session writes exactly one). Signed tokens
    without a session (anonymous ones) leave no trace to count.
    """
    from .tokens import signed

    now = now or timezone.now()
    since = now - timedelta(hours=24)
    issued = AccessToken.objects.filter(application=OuterRef("pk"), created__gte=since)
    signed_kinds = [spec.kind for spec in access_model.KINDS if signed.format_for(spec.kind) == access_model.SIGNED]
    with_signed = RefreshToken.objects.filter(application=OuterRef("pk"), created__gte=since, kind__in=signed_kinds)
    live = Session.objects.live(now).filter(application=OuterRef("pk"))
    return queryset.annotate(tokens_24h=_count(issued) + _count(with_signed), live_sessions=_count(live))
