"""The usage pages: charts on each application's change page, and the dashboard of all applications.

The dashboard is the changelist of the UsageCount model (registered read-only), so it is in
the admin's index under "API applications" and needs the "view usage count" permission
(superusers have it). Everything is read from the aggregates and the session rows: one
query per chart, whatever the traffic.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Application, UsageCount, UsageEvent
from ..settings import flex_settings
from ..usage import reports
from . import charts

ISSUED_24H = _("Tokens issued per hour, last 24 hours")
REFUSED_24H = _("Refused requests per hour, last 24 hours")
ISSUED_30D = _("Tokens issued per day, last 30 days")
REFUSED_30D = _("Refused requests per day, last 30 days")


def _chart(label, svg, totals) -> dict[str, Any]:
    return {"label": label, "svg": svg, "legend": charts.legend(totals)}


def application_usage(application: Application) -> dict[str, Any]:
    """The change page's charts, security events and throttled addresses of one application."""
    now = timezone.now()
    pk = application.pk
    issued_h = reports.hourly(UsageEvent.ISSUED, pk, now)
    refused_h = reports.hourly(UsageEvent.REFUSED, pk, now)
    issued_d = reports.daily(UsageEvent.ISSUED, pk, now)
    refused_d = reports.daily(UsageEvent.REFUSED, pk, now)
    total = lambda buckets: sum(b.count for b in buckets)  # noqa: E731
    return {
        "charts": [
            _chart(
                ISSUED_24H,
                charts.bar_chart(str(ISSUED_24H), charts.hourly_bars(issued_h, "tokens issued")),
                [(_("issued"), total(issued_h))],
            ),
            _chart(
                REFUSED_24H,
                charts.bar_chart(str(REFUSED_24H), charts.hourly_bars(refused_h, "refused"), tone="refused"),
                [(_("refused"), total(refused_h))],
            ),
            _chart(
                ISSUED_30D,
                charts.bar_chart(str(ISSUED_30D), charts.daily_bars(issued_d, "tokens issued")),
                [(_("issued"), total(issued_d))],
            ),
            _chart(
                REFUSED_30D,
                charts.bar_chart(str(REFUSED_30D), charts.daily_bars(refused_d, "refused"), tone="refused"),
                [(_("refused"), total(refused_d))],
            ),
        ],
        "events": reports.security_events(application, now),
        "throttled": reports.throttled_addresses(now - timedelta(hours=24), pk),
        "flush_interval": flex_settings.USAGE_FLUSH_INTERVAL,
        "counting": flex_settings.USAGE_COUNTERS,
    }


def dashboard_context(site_name: str) -> dict[str, Any]:
    """All applications side by side: 24-hour traffic, refusals, throttling, Login as user, live sessions."""
    now = timezone.now()
    day_ago, month_ago = now - timedelta(hours=24), now - timedelta(days=30)
    apps = list(Application.objects.order_by("name", "pk"))
    issued = reports.per_application(UsageEvent.ISSUED, day_ago)
    refused = reports.per_application(UsageEvent.REFUSED, day_ago)
    throttled = reports.per_application(UsageEvent.THROTTLED, day_ago)
    login_as = reports.per_application(UsageEvent.LOGIN_AS, month_ago)
    live = reports.live_sessions()
    rows = []
    for app in apps:
        rows.append(
            {
                "app": app,
                "url": reverse("admin:flex_auth_django_application_change", args=[app.pk], current_app=site_name),
                "spark": charts.sparkline(
                    f"Tokens issued per hour, last 24 hours: {app.name}", reports.hourly(UsageEvent.ISSUED, app.pk, now)
                ),
                "issued": issued.get(app.pk, 0),
                "refused": refused.get(app.pk, 0),
                "throttled": throttled.get(app.pk, 0),
                "login_as": login_as.get(app.pk, 0),
                "live": live.get(app.pk, 0),
            }
        )

    def per_app(label: str, counts: dict[int, int], what: str, tone: str = "issued") -> dict[str, Any]:
        bars = [charts.Bar(a.name, counts.get(a.pk, 0), f"{a.name}: {counts.get(a.pk, 0):,} {what}") for a in apps]
        return _chart(label, charts.hbar_chart(label, bars, tone=tone), [(_("total"), sum(counts.values()))])

    throttled_h = reports.hourly(UsageEvent.THROTTLED, None, now)
    login_as_d = reports.daily(UsageEvent.LOGIN_AS, None, now)
    return {
        "rows": rows,
        "charts": [
            per_app(str(_("Tokens issued per application, last 24 hours")), issued, "tokens issued"),
            per_app(str(_("Refused requests per application, last 24 hours")), refused, "refused", "refused"),
            per_app(str(_("Live sessions per application")), live, "live sessions"),
            _chart(
                _("Throttled attempts per hour, last 24 hours"),
                charts.bar_chart(
                    str(_("Throttled attempts per hour, last 24 hours")),
                    charts.hourly_bars(throttled_h, "throttled"),
                    tone="refused",
                ),
                [(_("throttled"), sum(b.count for b in throttled_h))],
            ),
            _chart(
                _("Login as user started per day, last 30 days"),
                charts.bar_chart(
                    str(_("Login as user started per day, last 30 days")),
                    charts.daily_bars(login_as_d, "Login-as sessions started"),
                ),
                [(_("started"), sum(b.count for b in login_as_d))],
            ),
        ],
        "throttled": reports.throttled_addresses(day_ago),
        "unattributed_refused": refused.get(0, 0),
        "flush_interval": flex_settings.USAGE_FLUSH_INTERVAL,
    }


class UsageAdmin(admin.ModelAdmin):
    """Read-only: the aggregates are written by the counters alone; the changelist is the dashboard."""

    class Media:
        css = {"all": ("flex_auth_django/admin/flex_admin.css", "flex_auth_django/admin/flex_charts.css")}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context=None):
        if not self.has_view_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Usage"),
            "opts": self.model._meta,
            "media": self.media,
            **dashboard_context(self.admin_site.name),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/flex_auth_django/usage/dashboard.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from django.http import HttpResponseRedirect

        return HttpResponseRedirect(
            reverse("admin:flex_auth_django_usagecount_changelist", current_app=self.admin_site.name)
        )


__all__ = ["UsageAdmin", "UsageCount", "application_usage"]
