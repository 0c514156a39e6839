"""How the admin shows timestamps and client IDs: one format everywhere, compact where the list is narrow.

Django formats a datetime column in a list but prints the raw `str()` of one that a
ModelAdmin method returns on a change page; every timestamp goes through `when()` instead,
so the list and the change page agree. Lists show a relative time ("5 minutes ago",
"in 29 days") that fits a column at 1366 px; the exact time is the tooltip and the page's
`datetime` attribute.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

from ..models import Application

EMPTY = "—"
WRAP_AFTER_DOT = SafeString(".<wbr>")


def exact(value: datetime) -> str:
    """The locale's date and time, in the current time zone."""
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def relative(value: datetime, now: datetime | None = None) -> str:
    now = now or timezone.now()
    if abs((now - value).total_seconds()) < 60:
        return _("just now")
    if value <= now:
        return _("%(time)s ago") % {"time": timesince(value, now, depth=1)}
    return _("in %(time)s") % {"time": timeuntil(value, now, depth=1)}


def when(value: datetime | None, *, compact: bool = False, empty: str = EMPTY) -> SafeString | str:
    """A `<time>` element: the exact time, or (compact) a relative one with the exact time on hover."""
    if value is None:
        return empty
    shown = relative(value) if compact else exact(value)
    return format_html('<time datetime="{}" title="{}">{}</time>', value.isoformat(), exact(value), shown)


def day(value: datetime | None, *, empty: str = EMPTY) -> SafeString | str:
    """A `<time>` element showing the date (the list's "created"), with the exact time on hover."""
    if value is None:
        return empty
    shown = formats.date_format(timezone.localtime(value), "DATE_FORMAT")
    return format_html('<time datetime="{}" title="{}">{}</time>', value.isoformat(), exact(value), shown)


def breakable_host(host: str) -> SafeString:
    """A host name that may wrap after its dots (`shop.` / `example.com`) but never inside a label or a port."""
    return format_html_join(WRAP_AFTER_DOT, "{}", ((label,) for label in host.split(".")))


def short_client_id(client_id: str) -> str:
    """The first 8 characters, as short commit hashes are shown; the copy button copies all of it."""
    return client_id if len(client_id) <= 9 else f"{client_id[:8]}…"


def client_id(application: Application, *, compact: bool = False) -> SafeString:
    """The client ID (shortened in lists) with a button that copies the whole of it."""
    full = application.public_client_id
    shown = short_client_id(full) if compact else full
    return format_html(
        '<span class="flex-client-id"><code title="{}">{}</code> '
        '<button type="button" class="button flex-copy" data-copy-value="{}" data-copied="{}" '
        'aria-label="{}">{}</button></span>',
        full,
        shown,
        full,
        _("Copied"),
        _("Copy client ID %(id)s") % {"id": full},
        _("Copy"),
    )
