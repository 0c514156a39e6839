"""client_credentials as a client sees it (spec: Grants, rows 1 and 2)."""

from __future__ import annotations

import pytest

from flex_auth_django import tokens
from flex_auth_django.models import AccessToken, RefreshToken, TokenKind
from flex_auth_django.tokens import digests
from tests.factories import ApplicationFactory
from tests.helpers import SDK_TOKEN_URL, Endpoint, basic, client_credentials

pytestmark = pytest.mark.django_db


class TestMarketplaceAnonymous:
    def test_client_id_alone_gets_an_anonymous_public_read_token_without_refresh(self, token_endpoint, marketplace_app):
        response = token_endpoint.post(client_credentials(marketplace_app, scope="public-read"))
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
        assert body["token_type"] == "bearer"
        assert body["scope"] == "public-read"
        assert body["expires_in"] == 600
        assert response["Cache-Control"] == "no-store"
        assert response["Pragma"] == "no-cache"
        assert response["Content-Type"] == "application/json"
        # Signed by default: nothing is written for an anonymous visitor.
        assert AccessToken.objects.count() == 0 and RefreshToken.objects.count() == 0
        token = tokens.live_access(body["access_token"])
        assert token.kind == TokenKind.ANONYMOUS and token.user is None and token.family is None

    def test_opaque_anonymous_token_is_stored_without_refresh(self, token_endpoint, marketplace_app, token_formats):
        token_formats(anonymous="opaque")
        body = token_endpoint.post(client_credentials(marketplace_app)).json()
        assert body["access_token"].startswith("flxa_") and body["expires_in"] == 600
        stored = AccessToken.objects.get()
        assert stored.kind == TokenKind.ANONYMOUS and stored.user is None and stored.family is None
        assert RefreshToken.objects.count() == 0

    def test_scope_defaults_to_public_read(self, token_endpoint, marketplace_app):
        response = token_endpoint.post(client_credentials(marketplace_app))
        assert response.status_code == 200
        assert response.json()["scope"] == "public-read"

    def test_empty_scope_counts_as_absent(self, token_endpoint, marketplace_app):
        response = token_endpoint.post(client_credentials(marketplace_app, scope=""))
        assert response.json()["scope"] == "public-read"

    def test_only_the_digest_is_stored(self, token_endpoint, marketplace_app, token_formats):
        token_formats(anonymous="opaque")
        token = token_endpoint.post(client_credentials(marketplace_app)).json()["access_token"]
        stored = AccessToken.objects.get()
        assert token not in stored.digest
        assert stored.digest == digests.make(token)
        assert stored.digest.startswith("hmac-sha256$")

    def test_a_right_secret_is_accepted(self, token_endpoint, marketplace_app):
        response = token_endpoint.post(client_credentials(marketplace_app, client_secret=marketplace_app.secret))
        assert response.status_code == 200

    def test_a_wrong_secret_is_refused_even_though_none_is_needed(self, token_endpoint, marketplace_app):
        response = token_endpoint.post(client_credentials(marketplace_app, client_secret="flxs_wrong"))
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
        assert "WWW-Authenticate" not in response
        assert AccessToken.objects.count() == 0

    @pytest.mark.parametrize("scope", ["user", "integ", "trusted:user", "public-read user", "read"])
    def test_other_scopes_are_invalid_scope(self, token_endpoint, marketplace_app, scope):
        response = token_endpoint.post(client_credentials(marketplace_app, scope=scope))
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_scope"

    def test_sdk_path_works_too(self, client, marketplace_app):
        response = Endpoint(client, SDK_TOKEN_URL).post(client_credentials(marketplace_app, scope="public-read"))
        assert response.status_code == 200
        assert response.json()["scope"] == "public-read"

    def test_each_token_is_new(self, token_endpoint, marketplace_app):
        first = token_endpoint.post(client_credentials(marketplace_app)).json()["access_token"]
        second = token_endpoint.post(client_credentials(marketplace_app)).json()["access_token"]
        assert first != second
        assert len(first) >= 43


class TestIntegration:
    def test_id_and_secret_get_an_integ_token_with_a_refresh_token(self, token_endpoint, integration_app):
        response = token_endpoint.post(
            client_credentials(integration_app, client_secret=integration_app.secret, scope="integ")
        )
        assert response.status_code == 200
        body = response.json()
        assert body["scope"] == "integ" and body["token_type"] == "bearer"
        assert body["refresh_token"].startswith("flxr_")
        # Signed by default: only the refresh token is stored.
        assert AccessToken.objects.count() == 0
        refresh = RefreshToken.objects.get()
        access = tokens.live_access(body["access_token"])
        assert access.kind == refresh.kind == TokenKind.INTEGRATION
        assert access.user is None and refresh.user is None
        assert access.family == refresh.family

    def test_opaque_integration_token_is_stored_with_its_session(self, token_endpoint, integration_app, token_formats):
        token_formats(integration="opaque")
        body = token_endpoint.post(client_credentials(integration_app, client_secret=integration_app.secret)).json()
        assert body["access_token"].startswith("flxa_")
        access = AccessToken.objects.get()
        refresh = RefreshToken.objects.get()
        assert access.kind == refresh.kind == TokenKind.INTEGRATION
        assert access.user is None and refresh.user is None
        assert access.family == refresh.family

    def test_scope_defaults_to_integ(self, token_endpoint, integration_app):
        response = token_endpoint.post(client_credentials(integration_app, client_secret=integration_app.secret))
        assert response.json()["scope"] == "integ"

    def test_http_basic_works(self, token_endpoint, integration_app):
        response = token_endpoint.post(
            {"grant_type": "client_credentials"},
            HTTP_AUTHORIZATION=basic(integration_app.client_id, integration_app.secret),
        )
        assert response.status_code == 200

    def test_missing_secret_is_invalid_client(self, token_endpoint, integration_app):
        response = token_endpoint.post(client_credentials(integration_app))
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"

    def test_wrong_secret_is_invalid_client(self, token_endpoint, integration_app):
        response = token_endpoint.post(client_credentials(integration_app, client_secret=integration_app.secret + "x"))
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"

    def test_wrong_secret_over_basic_gets_a_basic_challenge(self, token_endpoint, integration_app):
        response = token_endpoint.post(
            {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic(integration_app.client_id, "nope")
        )
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Basic ")

    def test_another_apps_secret_is_refused(self, token_endpoint, integration_app):
        other = ApplicationFactory(integration=True)
        response = token_endpoint.post(client_credentials(integration_app, client_secret=other.secret))
        assert response.status_code == 401

    @pytest.mark.parametrize("scope", ["public-read", "user", "integ user"])
    def test_other_scopes_are_invalid_scope(self, token_endpoint, integration_app, scope):
        response = token_endpoint.post(
            client_credentials(integration_app, client_secret=integration_app.secret, scope=scope)
        )
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_scope"


class TestClients:
    @pytest.mark.parametrize(
        "client_id",
        [
            "",
            "undefined",
            "not-a-uuid",
            "00000000-0000-0000-0000-000000000000",
            "{12345678-1234-1234-1234-123456789012}",
        ],
    )
    def test_unknown_or_malformed_client_is_invalid_client(self, token_endpoint, client_id):
        response = token_endpoint.post({"client_id": client_id, "grant_type": "client_credentials"})
        assert response.status_code == 401
        assert response.json() == {"error": "invalid_client", "error_description": "Client authentication failed."}

    def test_inactive_application_is_invalid_client(self, token_endpoint):
        app = ApplicationFactory(inactive=True)
        response = token_endpoint.post(client_credentials(app, client_secret=app.secret))
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"

    def test_uppercase_client_id_is_the_same_client(self, token_endpoint, marketplace_app):
        response = token_endpoint.post(
            {"client_id": str(marketplace_app.client_id).upper(), "grant_type": "client_credentials"}
        )
        assert response.status_code == 200
