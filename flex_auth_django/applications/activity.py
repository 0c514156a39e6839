"""What the admin's application list shows of each application's use: tokens issued in 24 hours, live sessions."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import AccessToken, RefreshToken, Session
from ..tokens import formats, kinds


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
    now = now or timezone.now()
    since = now - timedelta(hours=24)
    issued = AccessToken.objects.filter(application=OuterRef("pk"), created__gte=since)
    signed_kinds = [spec.kind for spec in kinds.KINDS if not formats.for_kind(spec.kind).stored]
    with_signed = RefreshToken.objects.filter(application=OuterRef("pk"), created__gte=since, kind__in=signed_kinds)
    live = Session.objects.live(now).filter(application=OuterRef("pk"))
    return queryset.annotate(tokens_24h=_count(issued) + _count(with_signed), live_sessions=_count(live))
