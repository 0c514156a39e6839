"""The charts as the admin serves them: inline SVG with labels and per-bar titles that carry the counts."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from flex_auth_django.usage.counters import flush
from tests.admin.conftest import client_for, grant
from tests.factories import ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db


def anonymous(app) -> dict:
    return {"client_id": str(app.client_id), "grant_type": "client_credentials", "scope": "public-read"}


def titles(html: str, label: str) -> list[str]:
    """The <title> texts of the bars of the chart labelled `label`."""
    match = re.search(rf'<svg class="flex-chart" role="img" aria-label="{re.escape(label)}".*?</svg>', html, re.S)
    assert match, f"no chart labelled {label!r}"
    return re.findall(r"<title>(.*?)</title>", match.group(0))


@pytest.fixture
def superuser_client(client, db):
    return client_for(client, UserFactory(is_staff=True, is_superuser=True))


def test_the_change_page_charts_show_a_burst_in_the_current_hour_and_day(token_endpoint, superuser_client):
    app = ApplicationFactory(name="Burst")
    other = ApplicationFactory(name="Quiet")
    for _ in range(7):
        assert token_endpoint.post(anonymous(app)).status_code == 200
    token_endpoint.post(anonymous(other))
    for _ in range(3):
        token_endpoint.post({**anonymous(app), "client_secret": "wrong"})
    flush()
    html = superuser_client.get(reverse("admin:flex_auth_django_application_change", args=[app.pk])).content.decode()

    hourly = titles(html, "Tokens issued per hour, last 24 hours")
    assert len(hourly) == 24 and hourly[-1].endswith(": 7 tokens issued")  # the current hour, last
    assert all(t.endswith(": 0 tokens issued") for t in hourly[:-1])
    assert titles(html, "Refused requests per hour, last 24 hours")[-1].endswith(": 3 refused")
    daily = titles(html, "Tokens issued per day, last 30 days")
    assert len(daily) == 30 and daily[-1].endswith(": 7 tokens issued")
    assert titles(html, "Refused requests per day, last 30 days")[-1].endswith(": 3 refused")
    # The y axis' top is a round number at or above the burst, as text.
    chart = re.search(r'aria-label="Tokens issued per hour, last 24 hours".*?</svg>', html, re.S).group(0)
    assert re.search(r'text-anchor="end">10</text>', chart)


def test_the_dashboard_puts_every_application_side_by_side(token_endpoint, superuser_client, marketplace_app):
    busy = ApplicationFactory(name="Busy app")
    ApplicationFactory(name="Idle app")
    for _ in range(5):
        token_endpoint.post(anonymous(busy))
    flush()
    response = superuser_client.get(reverse("admin:flex_auth_django_usagecount_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    per_app = titles(html, "Tokens issued per application, last 24 hours")
    assert "Busy app: 5 tokens issued" in per_app and "Idle app: 0 tokens issued" in per_app
    assert 'aria-label="Live sessions per application"' in html
    assert 'aria-label="Throttled attempts per hour, last 24 hours"' in html
    assert 'aria-label="Login as user started per day, last 30 days"' in html
    assert 'aria-label="Tokens issued per hour, last 24 hours: Busy app"' in html  # its sparkline


def test_the_dashboard_needs_the_view_permission(client, db):
    staff = UserFactory(is_staff=True)
    grant(staff, "view_application")
    url = reverse("admin:flex_auth_django_usagecount_changelist")
    assert client_for(client, staff).get(url).status_code == 403
    grant(staff, "view_usagecount")
    assert client.get(url).status_code == 200


def test_the_admin_cannot_add_change_or_delete_aggregates(superuser_client):
    assert superuser_client.get(reverse("admin:flex_auth_django_usagecount_add")).status_code == 403


def test_security_events_come_from_the_aggregates_and_the_login_as_and_revocation_records(
    token_endpoint, superuser_client, marketplace_app, user, settings
):
    from django.utils import timezone

    from flex_auth_django import applications
    from flex_auth_django.models import TokenKind
    from tests.factories import RefreshTokenFactory
    from tests.helpers import login

    settings.FLEX_AUTH = {**settings.FLEX_AUTH, "REFRESH_GRACE_PERIOD": 0}
    first = login(token_endpoint, marketplace_app, user)["refresh_token"]
    refresh = {"client_id": str(marketplace_app.client_id), "grant_type": "refresh_token", "refresh_token": first}
    assert token_endpoint.post(refresh).status_code == 200
    assert token_endpoint.post(refresh).status_code == 401  # the retired token again: reuse, session revoked
    staff = UserFactory(is_staff=True, email="staff@example.com", username="staff@example.com")
    RefreshTokenFactory(application=marketplace_app, user=user, acted_by=staff, kind=TokenKind.LOGIN_AS)
    applications.revoke_tokens(marketplace_app, ip="127.0.0.1")
    flush()
    marketplace_app.refresh_from_db()
    assert marketplace_app.tokens_not_before <= timezone.now()

    html = superuser_client.get(
        reverse("admin:flex_auth_django_application_change", args=[marketplace_app.pk])
    ).content.decode()
    section = html.split("Recent security events", 1)[1].split("</table>", 1)[0]
    assert "Refresh token reuse detected" in section
    assert f"staff@example.com as {user.get_username()}" in section  # who acted as whom
    assert "All tokens revoked" in section
    assert "Revocations" in section  # the token_revoked signal's aggregate
