"""Reading the aggregates back for the admin: series per hour and per day, per application, security events.

Buckets are in the current time zone (TIME_ZONE); a bucket with no row is a zero, so every
series has exactly its 24 hours or 30 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Sum
from django.db.models.functions import TruncDay, TruncHour
from django.utils import timezone

from ..models import Application, RefreshToken, Session, TokenKind
from .models import UsageCount, UsageEvent

HOURS = 24
DAYS = 30


@dataclass(frozen=True)
class Bucket:
    start: datetime
    end: datetime
    count: int


def _hour_starts(now: datetime, hours: int) -> list[datetime]:
    top = timezone.localtime(now).replace(minute=0, second=0, microsecond=0)
    return [top - timedelta(hours=h) for h in range(hours - 1, -1, -1)]


def _day_starts(now: datetime, days: int) -> list[datetime]:
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    tz = timezone.get_current_timezone()
    # Calendar days, so a DST change makes one day 23 or 25 hours rather than shifting the rest.
    return [datetime.combine((today - timedelta(days=d)).date(), today.time(), tz) for d in range(days - 1, -1, -1)]


def _filtered(events, application_pk: int | None, since: datetime, **extra):
    rows = UsageCount.objects.filter(minute__gte=since, event__in=list(events), **extra)
    return rows if application_pk is None else rows.filter(application_pk=application_pk)


def hourly(
    event: str, application_pk: int | None = None, now: datetime | None = None, hours: int = HOURS, **extra
) -> list[Bucket]:
    """`event`s per hour over the last `hours` hours (the current hour last), of one application or all."""
    starts = _hour_starts(now or timezone.now(), hours)
    return _series(event, application_pk, starts, timedelta(hours=1), TruncHour, **extra)


def daily(
    event: str, application_pk: int | None = None, now: datetime | None = None, days: int = DAYS, **extra
) -> list[Bucket]:
    """`event`s per day over the last `days` days (today last)."""
    starts = _day_starts(now or timezone.now(), days)
    return _series(event, application_pk, starts, timedelta(days=1), TruncDay, **extra)


def _series(event, application_pk, starts, step, trunc, **extra) -> list[Bucket]:
    rows = (
        _filtered([event], application_pk, starts[0], **extra)
        .annotate(bucket=trunc("minute"))
        .values("bucket")
        .annotate(n=Sum("count"))
        .order_by()
    )
    counts = {row["bucket"]: row["n"] for row in rows}
    by_instant = {k.timestamp(): v for k, v in counts.items()}
    buckets = []
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else start + step
        buckets.append(Bucket(start, end, int(by_instant.get(start.timestamp(), 0))))
    return buckets


def per_application(event: str, since: datetime) -> dict[int, int]:
    """{application pk: count} since `since` (0: events no application could be named for)."""
    rows = (
        UsageCount.objects.filter(minute__gte=since, event=event)
        .values("application_pk")
        .annotate(n=Sum("count"))
        .order_by()
    )
    return {row["application_pk"]: int(row["n"]) for row in rows}


def live_sessions() -> dict[int, int]:
    rows = Session.objects.live(timezone.now()).order_by().values("application").annotate(n=Count("pk"))
    return {row["application"]: row["n"] for row in rows}


@dataclass(frozen=True)
class ThrottledAddress:
    tag: str
    count: int
    scopes: str


def throttled_addresses(since: datetime, application_pk: int | None = None, limit: int = 10) -> list[ThrottledAddress]:
    """The client addresses (as keyed digests) throttled most since `since`."""
    rows = (
        _filtered([UsageEvent.THROTTLED], application_pk, since)
        .exclude(ip_tag="")
        .values("ip_tag")
        .annotate(n=Sum("count"))
        .order_by("-n", "ip_tag")[:limit]
    )
    tags = [row["ip_tag"] for row in rows]
    scopes: dict[str, set[str]] = {}
    for tag, detail in _filtered([UsageEvent.THROTTLED], application_pk, since, ip_tag__in=tags).values_list(
        "ip_tag", "detail"
    ):
        scopes.setdefault(tag, set()).add(detail)
    return [
        ThrottledAddress(row["ip_tag"], int(row["n"]), ", ".join(sorted(scopes.get(row["ip_tag"], ())))) for row in rows
    ]


@dataclass(frozen=True)
class SecurityEvent:
    when: datetime
    what: str
    detail: str


SECURITY_EVENTS = (UsageEvent.REFRESH_REUSE, UsageEvent.CODE_REUSE, UsageEvent.THROTTLED, UsageEvent.REVOKED)


def security_events(
    application: Application, now: datetime | None = None, days: int = 7, limit: int = 25
) -> list[SecurityEvent]:
    """What the security log would show for `application`, from records the database keeps.

    The aggregates (reuse detected, throttled, revocations, per hour), the Login-as sessions
    (who acted as whom, and when), and "revoke all tokens" (the application's not-before).
    Never the log files.
    """
    now = now or timezone.now()
    since = now - timedelta(days=days)
    found: list[SecurityEvent] = []
    rows = (
        _filtered(SECURITY_EVENTS, application.pk, since)
        .annotate(hour=TruncHour("minute"))
        .values("hour", "event", "detail")
        .annotate(n=Sum("count"), addresses=Count("ip_tag", distinct=True))
        .order_by()
    )
    labels = dict(UsageEvent.choices)
    for row in rows:
        detail = f"{row['n']} × {row['detail']}" if row["detail"] else f"{row['n']}"
        if row["event"] == UsageEvent.THROTTLED:
            detail += f" from {row['addresses']} address{'es' if row['addresses'] != 1 else ''}"
        found.append(SecurityEvent(row["hour"], str(labels.get(row["event"], row["event"])).capitalize(), detail))
    login_as = (
        RefreshToken.objects.filter(application=application, kind=TokenKind.LOGIN_AS, family_started__gte=since)
        .select_related("user", "acted_by")
        .order_by("-family_started")[:limit]
    )
    for row in login_as:
        staff = row.acted_by.get_username() if row.acted_by else "?"
        user = row.user.get_username() if row.user else "?"
        state = ", revoked" if row.revoked else ""
        found.append(SecurityEvent(row.family_started, "Login as user", f"{staff} as {user}{state}"))
    if application.tokens_not_before and application.tokens_not_before >= since:
        found.append(SecurityEvent(application.tokens_not_before, "All tokens revoked", "from the admin"))
    found.sort(key=lambda e: e.when, reverse=True)
    return found[:limit]
