"""refresh_token as a client sees it: rotation, grace, reuse detection, lifetimes (spec: Refresh token rotation)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from flex_auth_django.models import AccessToken, RefreshToken
from flex_auth_django.tokens import digests
from tests.factories import ApplicationFactory, RefreshTokenFactory
from tests.helpers import exchange, login, refresh_grant

pytestmark = pytest.mark.django_db


def cc_integration(token_endpoint, app):
    response = token_endpoint.post(
        {"client_id": str(app.client_id), "client_secret": app.secret, "grant_type": "client_credentials"}
    )
    assert response.status_code == 200
    return response.json()


def age(raw_token, seconds):
    """Pretend the refresh token was retired `seconds` ago."""
    updated = RefreshToken.objects.filter(digest=digests.make(raw_token), retired__isnull=False).update(
        retired=timezone.now() - timedelta(seconds=seconds)
    )
    assert updated == 1


class TestRotation:
    def test_refresh_rotates_and_keeps_kind_and_scope(self, token_endpoint, marketplace_app, user):
        first = login(token_endpoint, marketplace_app, user)
        response = token_endpoint.post(refresh_grant(marketplace_app, first["refresh_token"]))
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"access_token", "token_type", "expires_in", "scope", "refresh_token"}
        assert body["scope"] == "user" and body["token_type"] == "bearer" and body["expires_in"] == 600
        assert body["refresh_token"] != first["refresh_token"]
        assert body["access_token"] != first["access_token"]
        assert response["Cache-Control"] == "no-store"
        old, new = RefreshToken.objects.order_by("pk")
        assert old.retired is not None and new.retired is None
        assert new.parent == old and new.family == old.family and new.user == user
        assert new.family_started == old.family_started

    def test_new_refresh_token_works(self, token_endpoint, marketplace_app, user):
        token = login(token_endpoint, marketplace_app, user)["refresh_token"]
        for _ in range(3):
            response = token_endpoint.post(refresh_grant(marketplace_app, token))
            assert response.status_code == 200
            token = response.json()["refresh_token"]
        assert RefreshToken.objects.filter(retired__isnull=True, revoked__isnull=True).count() == 1

    def test_integration_sessions_refresh_too(self, token_endpoint, integration_app):
        token = cc_integration(token_endpoint, integration_app)["refresh_token"]
        response = token_endpoint.post(refresh_grant(integration_app, token))
        assert response.status_code == 200
        assert response.json()["scope"] == "integ"
        assert "refresh_token" in response.json()

    def test_secret_is_optional_but_checked_if_sent(self, token_endpoint, marketplace_app, user):
        token = login(token_endpoint, marketplace_app, user)["refresh_token"]
        response = token_endpoint.post(refresh_grant(marketplace_app, token, client_secret="flxs_wrong"))
        assert response.status_code == 401 and response.json()["error"] == "invalid_client"
        response = token_endpoint.post(refresh_grant(marketplace_app, token, client_secret=marketplace_app.secret))
        assert response.status_code == 200

    def test_integration_refresh_without_secret_works(self, token_endpoint, integration_app):
        """The integration SDK refreshes with client_id and refresh_token only."""
        token = cc_integration(token_endpoint, integration_app)["refresh_token"]
        assert token_endpoint.post(refresh_grant(integration_app, token)).status_code == 200

    def test_access_tokens_of_the_session_keep_working_after_a_refresh(self, token_endpoint, marketplace_app, user):
        first = login(token_endpoint, marketplace_app, user)
        token_endpoint.post(refresh_grant(marketplace_app, first["refresh_token"]))
        assert AccessToken.objects.live().count() == 2


class TestRefusals:
    def test_missing_refresh_token_is_invalid_request(self, token_endpoint, marketplace_app):
        response = token_endpoint.post({"client_id": str(marketplace_app.client_id), "grant_type": "refresh_token"})
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"

    @pytest.mark.parametrize("token", ["undefined", "flxr_" + "B" * 43, "flxa_" + "B" * 43, "x" * 5000])
    def test_unknown_token_is_invalid_grant(self, token_endpoint, marketplace_app, token):
        response = token_endpoint.post(refresh_grant(marketplace_app, token))
        expected = 400 if len(token) > 4096 else 401
        assert response.status_code == expected
        assert response.json()["error"] == ("invalid_request" if expected == 400 else "invalid_grant")

    def test_other_applications_token_is_invalid_grant(self, token_endpoint, marketplace_app, user):
        token = login(token_endpoint, marketplace_app, user)["refresh_token"]
        other = ApplicationFactory()
        response = token_endpoint.post(refresh_grant(other, token))
        assert response.status_code == 401 and response.json()["error"] == "invalid_grant"
        # and it did not rotate the owner's token
        assert token_endpoint.post(refresh_grant(marketplace_app, token)).status_code == 200

    def test_expired_token_is_invalid_grant(self, token_endpoint, marketplace_app):
        row = RefreshTokenFactory(application=marketplace_app, expired=True)
        response = token_endpoint.post(refresh_grant(marketplace_app, row.raw))
        assert response.status_code == 401 and response.json()["error"] == "invalid_grant"

    def test_revoked_token_is_invalid_grant(self, token_endpoint, marketplace_app):
        row = RefreshTokenFactory(application=marketplace_app, revoked=timezone.now())
        response = token_endpoint.post(refresh_grant(marketplace_app, row.raw))
        assert response.status_code == 401 and response.json()["error"] == "invalid_grant"

    def test_session_older_than_the_maximum_ends(self, token_endpoint, marketplace_app):
        row = RefreshTokenFactory(application=marketplace_app, family_started=timezone.now() - timedelta(days=181))
        response = token_endpoint.post(refresh_grant(marketplace_app, row.raw))
        assert response.status_code == 401 and response.json()["error"] == "invalid_grant"

    def test_successor_never_outlives_the_session(self, token_endpoint, marketplace_app):
        started = timezone.now() - timedelta(days=179)
        row = RefreshTokenFactory(application=marketplace_app, family_started=started)
        assert token_endpoint.post(refresh_grant(marketplace_app, row.raw)).status_code == 200
        successor = RefreshToken.objects.get(parent=row)
        assert successor.expires <= started + timedelta(days=180)

    def test_inactive_user_cannot_refresh(self, token_endpoint, marketplace_app, user):
        token = login(token_endpoint, marketplace_app, user)["refresh_token"]
        user.is_active = False
        user.save()
        response = token_endpoint.post(refresh_grant(marketplace_app, token))
        assert response.status_code == 401 and response.json()["error"] == "invalid_grant"

    def test_inactive_application_cannot_refresh(self, token_endpoint, marketplace_app, user):
        token = login(token_endpoint, marketplace_app, user)["refresh_token"]
        marketplace_app.is_active = False
        marketplace_app.save()
        response = token_endpoint.post(refresh_grant(marketplace_app, token))
        assert response.status_code == 401 and response.json()["error"] == "invalid_client"

    @pytest.mark.parametrize("scope", ["public-read", "trusted:user", "integ"])
    def test_another_scope_is_invalid_scope_and_does_not_rotate(self, token_endpoint, marketplace_app, user, scope):
        token = login(token_endpoint, marketplace_app, user)["refresh_token"]
        response = token_endpoint.post(refresh_grant(marketplace_app, token, scope=scope))
        assert response.status_code == 400 and response.json()["error"] == "invalid_scope"
        assert RefreshToken.objects.filter(retired__isnull=False).count() == 0

    def test_same_scope_may_be_repeated(self, token_endpoint, marketplace_app, user):
        token = login(token_endpoint, marketplace_app, user)["refresh_token"]
        assert token_endpoint.post(refresh_grant(marketplace_app, token, scope="user")).status_code == 200


class TestGraceAndReuse:
    def test_immediate_retry_gets_the_same_answer(self, token_endpoint, marketplace_app, user):
        token = login(token_endpoint, marketplace_app, user)["refresh_token"]
        first = token_endpoint.post(refresh_grant(marketplace_app, token)).json()
        again = token_endpoint.post(refresh_grant(marketplace_app, token))
        assert again.status_code == 200
        body = again.json()
        assert body["refresh_token"] == first["refresh_token"]
        assert body["access_token"] == first["access_token"]
        assert 0 < body["expires_in"] <= first["expires_in"]
        assert RefreshToken.objects.count() == 2  # no new family, no new generation
        # and the successor still works
        assert token_endpoint.post(refresh_grant(marketplace_app, first["refresh_token"])).status_code == 200

    def test_retry_after_the_grace_period_revokes_the_session(self, token_endpoint, marketplace_app, user):
        token = login(token_endpoint, marketplace_app, user)["refresh_token"]
        newest = token_endpoint.post(refresh_grant(marketplace_app, token)).json()
        age(token, 11)
        response = token_endpoint.post(refresh_grant(marketplace_app, token))
        assert response.status_code == 401 and response.json()["error"] == "invalid_grant"
        assert token_endpoint.post(refresh_grant(marketplace_app, newest["refresh_token"])).status_code == 401
        assert not AccessToken.objects.live().exists()

    def test_grace_period_is_a_setting(self, token_endpoint, marketplace_app, user, settings):
        settings.FLEX_AUTH = {"REFRESH_GRACE_PERIOD": 0}
        token = login(token_endpoint, marketplace_app, user)["refresh_token"]
        token_endpoint.post(refresh_grant(marketplace_app, token))
        age(token, 1)
        assert token_endpoint.post(refresh_grant(marketplace_app, token)).status_code == 401

    def test_older_generation_never_gets_grace(self, token_endpoint, marketplace_app, user):
        """Reuse of generation 1 after generation 2 was redeemed: theft, even within seconds."""
        first = login(token_endpoint, marketplace_app, user)
        second = token_endpoint.post(refresh_grant(marketplace_app, first["refresh_token"])).json()
        third = token_endpoint.post(refresh_grant(marketplace_app, second["refresh_token"])).json()
        trusted = token_endpoint.post(exchange(marketplace_app, third["access_token"]))
        assert trusted.status_code == 200
        response = token_endpoint.post(refresh_grant(marketplace_app, first["refresh_token"]))
        assert response.status_code == 401 and response.json()["error"] == "invalid_grant"
        # the newest refresh token, and the family's access and trusted tokens, are revoked
        assert token_endpoint.post(refresh_grant(marketplace_app, third["refresh_token"])).status_code == 401
        assert not AccessToken.objects.live().exists()
        assert AccessToken.objects.filter(kind="trusted_user", revoked__isnull=False).count() == 1

    def test_reuse_leaves_other_sessions_alone(self, token_endpoint, marketplace_app, user):
        stolen = login(token_endpoint, marketplace_app, user)
        other = login(token_endpoint, marketplace_app, user)
        token_endpoint.post(refresh_grant(marketplace_app, stolen["refresh_token"]))
        age(stolen["refresh_token"], 60)
        token_endpoint.post(refresh_grant(marketplace_app, stolen["refresh_token"]))
        assert token_endpoint.post(refresh_grant(marketplace_app, other["refresh_token"])).status_code == 200

    def test_revoked_family_stays_dead_within_grace(self, token_endpoint, marketplace_app, user):
        token = login(token_endpoint, marketplace_app, user)["refresh_token"]
        token_endpoint.post(refresh_grant(marketplace_app, token))
        RefreshToken.objects.update(revoked=timezone.now())
        assert token_endpoint.post(refresh_grant(marketplace_app, token)).status_code == 401
