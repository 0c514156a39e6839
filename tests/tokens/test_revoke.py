"""POST revoke as the SDKs and RFC 7009 clients see it (spec: Revocation)."""

from __future__ import annotations

import pytest

from flex_auth_django.models import AccessToken, RefreshToken
from tests.factories import AccessTokenFactory, ApplicationFactory, UserFactory
from tests.helpers import basic, bearer, exchange, login, refresh_grant

pytestmark = pytest.mark.django_db


class TestSdkLogout:
    def test_bearer_and_refresh_token_ends_the_session(self, token_endpoint, revoke_endpoint, marketplace_app, user):
        session = login(token_endpoint, marketplace_app, user)
        trusted = token_endpoint.post(exchange(marketplace_app, session["access_token"]))
        assert trusted.status_code == 200
        response = revoke_endpoint.post({"token": session["refresh_token"]}, **bearer(session["access_token"]))
        assert response.status_code == 200
        assert response.json() == {}
        assert response["Cache-Control"] == "no-store"
        assert token_endpoint.post(refresh_grant(marketplace_app, session["refresh_token"])).status_code == 401
        assert not AccessToken.objects.live().exists()  # user and trusted access tokens too
        assert not RefreshToken.objects.live().exists()

    def test_other_sessions_of_the_user_survive(self, token_endpoint, revoke_endpoint, marketplace_app, user):
        one, two = login(token_endpoint, marketplace_app, user), login(token_endpoint, marketplace_app, user)
        revoke_endpoint.post({"token": one["refresh_token"]}, **bearer(one["access_token"]))
        assert token_endpoint.post(refresh_grant(marketplace_app, two["refresh_token"])).status_code == 200

    def test_bearer_scheme_is_case_insensitive(self, token_endpoint, revoke_endpoint, marketplace_app, user):
        session = login(token_endpoint, marketplace_app, user)
        response = revoke_endpoint.post(
            {"token": session["refresh_token"]}, HTTP_AUTHORIZATION=f"bearer {session['access_token']}"
        )
        assert response.status_code == 200
        assert token_endpoint.post(refresh_grant(marketplace_app, session["refresh_token"])).status_code == 401

    @pytest.mark.parametrize("kind", ["expired", "revoked", "unknown"])
    def test_dead_bearer_is_401_so_the_sdk_refreshes_and_retries(self, revoke_endpoint, marketplace_app, kind):
        raw = {
            "expired": lambda: AccessTokenFactory(application=marketplace_app, expired=True).raw,
            "revoked": lambda: AccessTokenFactory(application=marketplace_app, revoked_now=True).raw,
            "unknown": lambda: "flxa_" + "Z" * 43,
        }[kind]()
        response = revoke_endpoint.post({"token": "flxr_" + "Q" * 43}, **bearer(raw))
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_token"
        assert response["WWW-Authenticate"].startswith('Bearer error="invalid_token"')

    def test_user_cannot_revoke_another_users_session(self, token_endpoint, revoke_endpoint, marketplace_app, user):
        victim = login(token_endpoint, marketplace_app, UserFactory())
        attacker = login(token_endpoint, marketplace_app, user)
        response = revoke_endpoint.post({"token": victim["refresh_token"]}, **bearer(attacker["access_token"]))
        assert response.status_code == 200  # reveals nothing
        assert token_endpoint.post(refresh_grant(marketplace_app, victim["refresh_token"])).status_code == 200

    def test_revoking_an_access_token_revokes_only_it_and_its_trusted_tokens(
        self, token_endpoint, revoke_endpoint, marketplace_app, user
    ):
        session = login(token_endpoint, marketplace_app, user)
        token_endpoint.post(exchange(marketplace_app, session["access_token"]))
        response = revoke_endpoint.post({"token": session["access_token"]}, **bearer(session["access_token"]))
        assert response.status_code == 200
        assert not AccessToken.objects.live().exists()
        assert token_endpoint.post(refresh_grant(marketplace_app, session["refresh_token"])).status_code == 200

    def test_token_type_hint_is_not_trusted(self, token_endpoint, revoke_endpoint, marketplace_app, user):
        session = login(token_endpoint, marketplace_app, user)
        revoke_endpoint.post(
            {"token": session["refresh_token"], "token_type_hint": "access_token"}, **bearer(session["access_token"])
        )
        assert token_endpoint.post(refresh_grant(marketplace_app, session["refresh_token"])).status_code == 401


class TestClientCredentials:
    def test_integration_app_revokes_its_refresh_token(self, token_endpoint, revoke_endpoint, integration_app):
        session = token_endpoint.post(
            {
                "client_id": str(integration_app.client_id),
                "client_secret": integration_app.secret,
                "grant_type": "client_credentials",
            }
        ).json()
        response = revoke_endpoint.post(
            {"token": session["refresh_token"]},
            HTTP_AUTHORIZATION=basic(integration_app.client_id, integration_app.secret),
        )
        assert response.status_code == 200
        assert not AccessToken.objects.live().exists()

    def test_integration_app_needs_its_secret(self, revoke_endpoint, integration_app):
        response = revoke_endpoint.post({"token": "flxr_" + "A" * 43, "client_id": str(integration_app.client_id)})
        assert response.status_code == 401 and response.json()["error"] == "invalid_client"

    def test_marketplace_app_may_revoke_with_its_client_id(
        self, token_endpoint, revoke_endpoint, marketplace_app, user
    ):
        session = login(token_endpoint, marketplace_app, user)
        response = revoke_endpoint.post(
            {"token": session["refresh_token"], "client_id": str(marketplace_app.client_id)}
        )
        assert response.status_code == 200
        assert token_endpoint.post(refresh_grant(marketplace_app, session["refresh_token"])).status_code == 401

    def test_other_clients_tokens_answer_200_and_change_nothing(
        self, token_endpoint, revoke_endpoint, marketplace_app, user
    ):
        session = login(token_endpoint, marketplace_app, user)
        other = ApplicationFactory()
        response = revoke_endpoint.post({"token": session["refresh_token"], "client_id": str(other.client_id)})
        assert response.status_code == 200 and response.json() == {}
        assert token_endpoint.post(refresh_grant(marketplace_app, session["refresh_token"])).status_code == 200

    @pytest.mark.parametrize("token", ["flxr_" + "A" * 43, "flxa_" + "A" * 43, "undefined", "x"])
    def test_unknown_tokens_answer_200(self, revoke_endpoint, marketplace_app, token):
        response = revoke_endpoint.post({"token": token, "client_id": str(marketplace_app.client_id)})
        assert response.status_code == 200 and response.json() == {}

    def test_missing_token_is_invalid_request(self, revoke_endpoint, marketplace_app):
        response = revoke_endpoint.post({"client_id": str(marketplace_app.client_id)})
        assert response.status_code == 400 and response.json()["error"] == "invalid_request"

    def test_no_authentication_is_invalid_client(self, revoke_endpoint):
        response = revoke_endpoint.post({"token": "flxr_" + "A" * 43})
        assert response.status_code == 401 and response.json()["error"] == "invalid_client"

    def test_inactive_app_is_invalid_client(self, revoke_endpoint):
        app = ApplicationFactory(inactive=True)
        response = revoke_endpoint.post({"token": "x", "client_id": str(app.client_id)})
        assert response.status_code == 401

    def test_bearer_and_client_credentials_together_are_refused(
        self, token_endpoint, revoke_endpoint, marketplace_app, user
    ):
        session = login(token_endpoint, marketplace_app, user)
        response = revoke_endpoint.post(
            {"token": session["refresh_token"], "client_id": str(marketplace_app.client_id)},
            **bearer(session["access_token"]),
        )
        assert response.status_code == 400 and response.json()["error"] == "invalid_request"

    def test_get_is_405(self, client):
        response = client.get("/oauth/revoke")
        assert response.status_code == 405 and response.json()["error"] == "invalid_request"

    def test_json_body_is_refused(self, revoke_endpoint, marketplace_app):
        response = revoke_endpoint.post(body='{"token": "x"}', content_type="application/json")
        assert response.status_code == 400 and response.json()["error"] == "invalid_request"
