"""Application service: create applications, (re)generate their one-time-shown secrets, switch them on and off."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import signals, tokens
from .models import AccessToken, ApiType, Application, Session
from .tokens import digests, generate


def assign_new_secret(application: Application) -> str:
    """Give an unsaved (or about to be saved) application a fresh secret; returns it for showing once.

    Only the digest and the last 4 characters land on the instance; the caller saves it.
    """
    secret = generate.client_secret()
    application.client_secret_digest = digests.make(secret)
    application.client_secret_last4 = secret[-4:]
    return secret


def create_application(name: str, api_type: str) -> tuple[Application, str]:
    """A new application and its client secret; the secret is not stored and cannot be shown again."""
    if api_type not in ApiType.values:
        raise ValueError(f"api_type must be one of {', '.join(ApiType.values)}")
    application = Application(name=name, api_type=api_type)
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


def set_active(application: Application, active: bool) -> bool:
    """Switch an application on or off; returns whether anything changed.

    An inactive application gets invalid_client at every endpoint and its tokens stop
    working (AccessToken.is_live), but they are not revoked: reactivating brings back
    the ones that have not expired. Revoke them (tokens.revoke_for) to end them for good.
    """
    changed = Application.objects.filter(pk=application.pk).exclude(is_active=active).update(is_active=active)
    application.is_active = active
    return bool(changed)


def revoke_tokens(application: Application, *, ip: str | None = None) -> int:
    """Revoke every token of an application (all its sessions end); returns how many rows changed."""
    count = tokens.revoke_for(application=application)
    if count:
        signals.token_revoked.send(
            sender=Application, application=application, user=None, family=None, what="application", ip=ip
        )
    return count


def _count(queryset: QuerySet) -> Coalesce:
    counted = queryset.order_by().values("application").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_activity(queryset: QuerySet, now: datetime | None = None) -> QuerySet:
    """Annotate each application with `tokens_24h` (access tokens issued in the last 24 hours)
    and `live_sessions`, as correlated subqueries: one query however many rows are listed."""
    now = now or timezone.now()
    issued = AccessToken.objects.filter(application=OuterRef("pk"), created__gte=now - timedelta(hours=24))
    live = Session.objects.live(now).filter(application=OuterRef("pk"))
    return queryset.annotate(tokens_24h=_count(issued), live_sessions=_count(live))
