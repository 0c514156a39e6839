"""Revocation holds for signed access tokens, which have no rows: every path, every signed kind,
answered alike by introspection, the DRF class, the decorators and the middleware."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from flex_auth_django import applications, tokens
from flex_auth_django.models import AccessToken, Application, RefreshToken, Session, SignedRevocation
from flex_auth_django.tokens import standing
from flex_auth_django.tokens.cleanup import clear_dead_tokens
from tests.factories import PASSWORD, ApplicationFactory, UserFactory
from tests.helpers import FORM, REVOKE_URL, exchange
from tests.signing import Probe, form, token, use_keys

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.urls_protected")]

KINDS = ("anonymous", "integration", "user", "trusted_user")
SESSION_KINDS = ("integration", "user", "trusted_user")
USER_KINDS = ("user", "trusted_user")


@dataclass
class Issued:
    raw: str
    scope: str
    app: Application
    refresh: str | None = None  # the session's refresh token
    user: object = None
    subject: str | None = None  # for trusted tokens: the user token it was exchanged from


@pytest.fixture(autouse=True)
def _signed_everything(settings, all_signed):
    use_keys(settings, ("a", "active"))


@pytest.fixture
def probe(client, settings):
    return Probe(client, settings, ApplicationFactory(integration=True))


def issue(client, kind: str) -> Issued:
    if kind == "anonymous":
        app = ApplicationFactory()
        body = token(client, client_id=str(app.client_id), grant_type="client_credentials")
        return Issued(body["access_token"], "public-read", app)
    if kind == "integration":
        app = ApplicationFactory(integration=True)
        body = token(client, client_id=str(app.client_id), client_secret=app.secret, grant_type="client_credentials")
        return Issued(body["access_token"], "integ", app, body["refresh_token"])
    app, user = ApplicationFactory(), UserFactory()
    session = token(client, client_id=str(app.client_id), grant_type="password", username=user.email, password=PASSWORD)
    if kind == "user":
        return Issued(session["access_token"], "user", app, session["refresh_token"], user)
    trusted = token(client, **exchange(app, session["access_token"]))
    return Issued(trusted["access_token"], "trusted:user", app, session["refresh_token"], user, session["access_token"])


def reissue(client, issued: Issued) -> str:
    """A new token of the same kind, application (and user) as `issued`."""
    app = issued.app
    if issued.scope == "public-read":
        params = {"client_id": str(app.client_id), "grant_type": "client_credentials"}
    elif issued.scope == "integ":
        params = {"client_id": str(app.client_id), "client_secret": app.secret, "grant_type": "client_credentials"}
    else:
        params = {"client_id": str(app.client_id), "grant_type": "password", "username": issued.user.email}
        params["password"] = PASSWORD
    body = token(client, **params)
    if issued.scope == "trusted:user":
        body = token(client, **exchange(app, body["access_token"]))
    return body["access_token"]


def revoke(client, issued: Issued, raw: str | None = None):
    """RFC 7009 revocation of `raw` (default: the token) with the application's credentials."""
    params = {"client_id": str(issued.app.client_id), "client_secret": issued.app.secret, "token": raw or issued.raw}
    response = form(client, REVOKE_URL, params)
    assert response.status_code == 200
    return response


def assert_dead(probe, issued: Issued) -> None:
    assert not probe.live(issued.raw, issued.scope)


@pytest.mark.parametrize("kind", KINDS)
class TestEveryKind:
    def test_live_until_revoked_and_nothing_stored(self, client, probe, kind):
        issued = issue(client, kind)
        assert probe.live(issued.raw, issued.scope)
        assert AccessToken.objects.count() == 0

    def test_application_deactivated_then_reactivated(self, client, probe, kind):
        issued = issue(client, kind)
        assert probe.live(issued.raw, issued.scope)  # its application's state is cached now
        applications.set_active(issued.app, False)
        assert_dead(probe, issued)
        applications.set_active(issued.app, True)  # as for opaque tokens: deactivation is not revocation
        assert probe.live(issued.raw, issued.scope)

    def test_application_deactivated_by_saving_it(self, client, probe, kind):
        issued = issue(client, kind)
        assert probe.live(issued.raw, issued.scope)
        app = Application.objects.get(pk=issued.app.pk)
        app.is_active = False
        app.save()
        assert_dead(probe, issued)

    def test_application_deleted(self, client, probe, kind):
        issued = issue(client, kind)
        assert probe.live(issued.raw, issued.scope)
        Application.objects.get(pk=issued.app.pk).delete()
        assert_dead(probe, issued)

    def test_revoke_all_tokens(self, client, probe, kind):
        issued = issue(client, kind)
        assert probe.live(issued.raw, issued.scope)
        applications.revoke_tokens(issued.app)
        assert_dead(probe, issued)

    def test_tokens_issued_after_revoke_all_work(self, client, probe, kind):
        issued = issue(client, kind)
        applications.revoke_tokens(issued.app)
        later = timezone.now() + timedelta(seconds=2)  # past the second of the revocation
        with mock.patch("flex_auth_django.tokens.issuing.timezone.now", return_value=later):
            fresh = reissue(client, issued)
        assert probe.live(fresh, issued.scope)

    def test_secret_regenerated_with_revocation_in_the_admin(self, client, probe, kind, admin_client):
        issued = issue(client, kind)
        assert probe.live(issued.raw, issued.scope)
        url = reverse("admin:flex_auth_django_application_regenerate_secret", args=[issued.app.pk])
        assert admin_client.post(url, {"confirm": "True", "revoke_tokens": "on"}).status_code == 200
        assert_dead(probe, issued)

    def test_revoke_all_tokens_in_the_admin(self, client, probe, kind, admin_client):
        issued = issue(client, kind)
        assert probe.live(issued.raw, issued.scope)
        url = reverse("admin:flex_auth_django_application_revoke_tokens", args=[issued.app.pk])
        assert admin_client.post(url, {"confirm": "True"}).status_code in (200, 302)
        assert_dead(probe, issued)

    def test_deactivated_in_the_admin(self, client, probe, kind, admin_client):
        issued = issue(client, kind)
        assert probe.live(issued.raw, issued.scope)
        url = reverse("admin:flex_auth_django_application_deactivate", args=[issued.app.pk])
        assert admin_client.post(url, {"confirm": "True"}).status_code in (200, 302)
        assert_dead(probe, issued)

    def test_secret_regenerated_without_revocation_keeps_tokens(self, client, probe, kind):
        issued = issue(client, kind)
        applications.regenerate_secret(issued.app)
        assert probe.live(issued.raw, issued.scope)

    def test_the_token_revoked_with_client_credentials(self, client, probe, kind):
        issued = issue(client, kind)
        assert probe.live(issued.raw, issued.scope)
        revoke(client, issued)
        assert_dead(probe, issued)
        assert SignedRevocation.objects.filter(application=issued.app).count() == 1

    def test_the_token_revoked_with_itself_as_bearer(self, client, probe, kind):
        issued = issue(client, kind)
        response = client.post(
            REVOKE_URL, f"token={issued.raw}", content_type=FORM, HTTP_AUTHORIZATION=f"Bearer {issued.raw}"
        )
        assert response.status_code == 200
        assert_dead(probe, issued)

    def test_another_application_cannot_revoke_it(self, client, probe, kind):
        issued = issue(client, kind)
        other = ApplicationFactory(api_type=issued.app.api_type)
        params = {"client_id": str(other.client_id), "client_secret": other.secret, "token": issued.raw}
        assert form(client, REVOKE_URL, params).status_code == 200  # nothing revealed
        assert probe.live(issued.raw, issued.scope)

    def test_revocations_survive_a_flushed_cache(self, client, probe, kind):
        issued = issue(client, kind)
        revoke(client, issued)
        caches["default"].clear()  # a restarted Redis, an eviction: the database still knows
        assert_dead(probe, issued)

    def test_revoke_all_survives_a_flushed_cache(self, client, probe, kind):
        issued = issue(client, kind)
        applications.revoke_tokens(issued.app)
        caches["default"].clear()
        assert_dead(probe, issued)

    def test_with_the_cache_down_the_database_answers(self, client, probe, kind, settings):
        issued = issue(client, kind)
        revoke(client, issued)
        with mock.patch.object(standing, "_cache", side_effect=ConnectionError("down")):
            assert tokens.live_access(issued.raw) is None
            applications.set_active(issued.app, True)  # writes that cannot reach the cache do not fail
        other = issue(client, kind)
        with mock.patch.object(standing, "_cache", side_effect=ConnectionError("down")):
            assert tokens.live_access(other.raw) is not None


@pytest.mark.parametrize("kind", SESSION_KINDS)
class TestSessions:
    def test_logout_revokes_the_session(self, client, probe, kind):
        issued = issue(client, kind)
        assert probe.live(issued.raw, issued.scope)
        revoke(client, issued, issued.refresh)
        assert_dead(probe, issued)

    def test_sdk_logout_with_a_bearer_revokes_the_session(self, client, probe, kind):
        issued = issue(client, kind)
        client.post(REVOKE_URL, f"token={issued.refresh}", content_type=FORM, HTTP_AUTHORIZATION=f"Bearer {issued.raw}")
        assert_dead(probe, issued)

    def test_refresh_token_reuse_revokes_the_session(self, client, probe, kind, settings):
        settings.FLEX_AUTH = {**settings.FLEX_AUTH, "REFRESH_GRACE_PERIOD": 0}
        issued = issue(client, kind)
        params = {
            "client_id": str(issued.app.client_id),
            "grant_type": "refresh_token",
            "refresh_token": issued.refresh,
        }
        successor = token(client, **params)
        later = timezone.now() + timedelta(seconds=5)
        with mock.patch("flex_auth_django.tokens.rotation.timezone.now", return_value=later):
            assert form(client, "/oauth/token", params).status_code == 401  # theft: the whole session ends
        assert_dead(probe, issued)
        assert not probe.live(successor["access_token"], "integ" if kind == "integration" else "user")

    def test_admin_session_revocation(self, client, probe, kind):
        issued = issue(client, kind)
        tokens.revoke_sessions(Session.objects.live())
        assert_dead(probe, issued)

    def test_other_sessions_are_untouched(self, client, probe, kind):
        issued, other = issue(client, kind), issue(client, kind)
        revoke(client, issued, issued.refresh)
        assert probe.live(other.raw, other.scope)


@pytest.mark.parametrize("kind", USER_KINDS)
class TestUsers:
    def test_password_change_revokes_the_user_s_sessions(self, client, probe, kind):
        issued = issue(client, kind)
        assert probe.live(issued.raw, issued.scope)
        issued.user.set_password("a-new-password-2")
        issued.user.save()
        assert_dead(probe, issued)

    def test_user_deactivated(self, client, probe, kind):
        issued = issue(client, kind)
        issued.user.is_active = False
        issued.user.save()
        assert_dead(probe, issued)


class TestExchanged:
    def test_revoking_a_signed_subject_revokes_what_was_exchanged_from_it(self, client, probe):
        issued = issue(client, "trusted_user")
        revoke(client, issued, issued.subject)
        assert_dead(probe, issued)

    def test_revoking_an_opaque_subject_revokes_a_signed_trusted_token(self, client, probe, token_formats):
        token_formats(user="opaque", trusted_user="signed")
        issued = issue(client, "trusted_user")
        assert issued.subject.startswith("flxa_") and issued.raw.count(".") == 2
        assert probe.live(issued.raw, issued.scope)
        revoke(client, issued, issued.subject)
        assert_dead(probe, issued)


class TestRecordOfTruth:
    def test_cleanup_deletes_only_revocations_whose_tokens_expired(self, client):
        live, dead = issue(client, "anonymous"), issue(client, "anonymous")
        for issued in (live, dead):
            revoke(client, issued)
        SignedRevocation.objects.filter(application=dead.app).update(expires=timezone.now() - timedelta(seconds=1))
        result = clear_dead_tokens()
        assert result.deleted["signed-token revocations"] == 1
        assert result.deleted["access tokens"] == 0  # signed tokens have no rows to delete
        assert list(SignedRevocation.objects.values_list("application", flat=True)) == [live.app.pk]

    def test_an_expired_signed_token_is_not_recorded(self, client):
        issued = issue(client, "anonymous")
        later = timezone.now() + timedelta(seconds=601)
        with mock.patch("flex_auth_django.tokens.revocation.timezone.now", return_value=later):
            revoke(client, issued)
        assert SignedRevocation.objects.count() == 0

    def test_revoking_twice_keeps_one_row(self, client):
        issued = issue(client, "anonymous")
        for _ in range(2):
            revoke(client, issued)
        assert SignedRevocation.objects.count() == 1
        assert RefreshToken.objects.count() == 0


class TestOnRedis:
    """The revocation check on the real Redis (the per-request read bypasses Django's per-call client)."""

    @pytest.mark.redis
    def test_revocation_and_state_through_redis(self, client, probe, settings, redis_throttle_cache):
        from django.core.cache import caches

        from flex_auth_django.tokens.standing import _get_many, cache_alias

        for kind in ("anonymous", "integration"):
            issued = issue(client, kind)
            assert probe.live(issued.raw, issued.scope)
            cache = caches[cache_alias()]
            keys = [f"flex:signed:app:{issued.app.client_id}", "flex:signed:rev:nothing"]
            assert _get_many(cache, keys) == cache.get_many(keys) and keys[0] in cache.get_many(keys)
            revoke(client, issued)
            assert_dead(probe, issued)
            other = issue(client, kind)
            applications.set_active(other.app, False)
            assert_dead(probe, other)


class TestImportedApplication:
    """An application imported from django-oauth-toolkit keeps its client ID; its signed tokens name it."""

    def test_signed_tokens_of_an_imported_application(self, client, probe):
        from tests.signing import header_and_claims

        app = ApplicationFactory(legacy_client_id="dot-client-Abc123")
        body = token(client, client_id="dot-client-Abc123", grant_type="client_credentials")
        claims = header_and_claims(body["access_token"])[1]
        assert claims["client_id"] == claims["sub"] == "dot-client-Abc123"
        issued = Issued(body["access_token"], "public-read", app)
        assert probe.live(issued.raw, issued.scope)
        form(client, REVOKE_URL, {"client_id": "dot-client-Abc123", "token": issued.raw})
        assert_dead(probe, issued)
        caches["default"].clear()  # reloaded from the database by the imported client ID
        assert_dead(probe, issued)
        fresh = token(client, client_id="dot-client-Abc123", grant_type="client_credentials")["access_token"]
        applications.set_active(app, False)
        assert not probe.live(fresh, "public-read")
