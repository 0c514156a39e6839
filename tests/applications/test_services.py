"""The small services behind the admin: activation, activity counts, revoking with audit signals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from flex_auth_django import applications, signals
from flex_auth_django.models import Application, Session
from flex_auth_django.tokens import revoke_sessions
from tests.factories import AccessTokenFactory, ApplicationFactory, RefreshTokenFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def revoked_signals():
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    signals.token_revoked.connect(receiver, dispatch_uid="test_admin_services")
    yield received
    signals.token_revoked.disconnect(dispatch_uid="test_admin_services")


def test_set_active_reports_whether_anything_changed():
    app = ApplicationFactory()
    assert applications.set_active(app, False) is True
    assert applications.set_active(app, False) is False
    assert Application.objects.get(pk=app.pk).is_active is False and app.is_active is False
    assert applications.set_active(app, True) is True


def test_assign_new_secret_stores_only_digest_and_last4():
    app = Application(name="x", api_type="integration")
    secret = applications.assign_new_secret(app)
    assert app.client_secret_last4 == secret[-4:]
    assert secret not in app.client_secret_digest and app.pk is None  # nothing saved yet


def test_with_activity_counts_per_application_in_one_query(django_assert_num_queries):
    app = ApplicationFactory()
    now = timezone.now()
    AccessTokenFactory(application=app, created=now - timedelta(hours=23))
    AccessTokenFactory(application=app, created=now - timedelta(hours=25))
    RefreshTokenFactory(application=app)
    RefreshTokenFactory(application=app, expires=now - timedelta(seconds=1))
    idle = ApplicationFactory()
    with django_assert_num_queries(1):
        rows = {a.pk: (a.tokens_24h, a.live_sessions) for a in applications.with_activity(Application.objects.all())}
    assert rows == {app.pk: (1, 1), idle.pk: (0, 0)}


def test_session_live_is_one_row_per_live_family():
    now = timezone.now()
    old = RefreshTokenFactory(retired=now)
    current = RefreshTokenFactory(family=old.family, application=old.application, user=old.user, parent=old)
    RefreshTokenFactory(revoked=now)
    RefreshTokenFactory(expires=now)
    assert list(Session.objects.live()) == [Session.objects.get(pk=current.pk)]


def test_revoke_tokens_sends_one_application_signal_only_when_something_was_revoked(revoked_signals):
    app = ApplicationFactory()
    assert applications.revoke_tokens(app) == 0
    assert revoked_signals == []
    RefreshTokenFactory(application=app)
    assert applications.revoke_tokens(app, ip="127.0.0.9") == 1
    assert [(s["what"], s["application"], s["ip"]) for s in revoked_signals] == [("application", app, "127.0.0.9")]


def test_revoke_sessions_ends_families_and_signals_each_live_one(revoked_signals):
    live, other = RefreshTokenFactory(), RefreshTokenFactory()
    access = AccessTokenFactory(application=live.application, user=live.user, family=live.family)
    sessions = list(Session.objects.filter(pk__in=[live.pk, other.pk]))
    assert revoke_sessions(sessions) == 2
    assert revoke_sessions(sessions) == 0  # already ended: no second signal
    access.refresh_from_db()
    assert access.revoked is not None
    assert sorted(s["family"] for s in revoked_signals) == sorted([live.family, other.family])
    assert {s["what"] for s in revoked_signals} == {"session"}
