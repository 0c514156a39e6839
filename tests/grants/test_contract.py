"""The contract every registered grant meets, run against each one through the token endpoint.

A grant joins by subclassing GrantContract with a `request()` that builds a valid
request for an application of an allowed API type; the last test fails if a
registered grant has no contract here.
"""

from __future__ import annotations

import pytest

from flex_auth_django.grants import get_registry
from flex_auth_django.models import ApiType
from tests.factories import ApplicationFactory, UserFactory
from tests.helpers import login

pytestmark = pytest.mark.django_db


class GrantContract:
    grant_type: str
    api_types: set[str]
    secret_needed_for: set[str] = set()
    default_scope_by_type: dict[str, str]

    def request(self, token_endpoint, app) -> dict:
        raise NotImplementedError

    def app(self, api_type):
        return ApplicationFactory(integration=api_type == ApiType.INTEGRATION)

    def test_success_is_a_no_store_bearer_response_with_scope(self, token_endpoint):
        for api_type in self.api_types:
            app = self.app(api_type)
            response = token_endpoint.post(self.request(token_endpoint, app))
            assert response.status_code == 200, response.content
            body = response.json()
            assert body["token_type"] == "bearer"
            assert body["scope"] == self.default_scope_by_type[api_type]
            assert isinstance(body["expires_in"], int) and body["expires_in"] > 0
            assert response["Cache-Control"] == "no-store" and response["Pragma"] == "no-cache"

    def test_other_api_types_are_unauthorized_client(self, token_endpoint):
        for api_type in set(ApiType.values) - self.api_types:
            app = self.app(api_type)
            params = {"client_id": str(app.client_id), "client_secret": app.secret, "grant_type": self.grant_type}
            response = token_endpoint.post(params)
            assert response.status_code == 400
            assert response.json()["error"] == "unauthorized_client"

    def test_a_foreign_scope_is_invalid_scope(self, token_endpoint):
        for api_type in self.api_types:
            app = self.app(api_type)
            params = self.request(token_endpoint, app) | {"scope": "no-such-scope"}
            response = token_endpoint.post(params)
            assert response.status_code == 400 and response.json()["error"] == "invalid_scope"

    def test_unknown_client_is_invalid_client(self, token_endpoint):
        app = self.app(next(iter(self.api_types)))
        params = self.request(token_endpoint, app) | {"client_id": "11111111-1111-1111-1111-111111111111"}
        response = token_endpoint.post(params)
        assert response.status_code == 401 and response.json()["error"] == "invalid_client"

    def test_a_wrong_secret_is_invalid_client(self, token_endpoint):
        for api_type in self.api_types:
            app = self.app(api_type)
            params = self.request(token_endpoint, app) | {"client_secret": "flxs_wrong"}
            response = token_endpoint.post(params)
            assert response.status_code == 401 and response.json()["error"] == "invalid_client"

    def test_the_secret_is_required_exactly_where_declared(self, token_endpoint):
        for api_type in self.api_types:
            app = self.app(api_type)
            params = self.request(token_endpoint, app)
            params.pop("client_secret", None)
            response = token_endpoint.post(params)
            if api_type in self.secret_needed_for:
                assert response.status_code == 401 and response.json()["error"] == "invalid_client"
            else:
                assert response.status_code == 200

    def test_errors_are_rfc_json(self, token_endpoint):
        app = self.app(next(iter(self.api_types)))
        response = token_endpoint.post(self.request(token_endpoint, app) | {"scope": "x y"})
        assert set(response.json()) == {"error", "error_description"}
        assert response["Cache-Control"] == "no-store"


class TestClientCredentialsContract(GrantContract):
    grant_type = "client_credentials"
    api_types = {ApiType.MARKETPLACE, ApiType.INTEGRATION}
    secret_needed_for = {ApiType.INTEGRATION}
    default_scope_by_type = {ApiType.MARKETPLACE: "public-read", ApiType.INTEGRATION: "integ"}

    def request(self, token_endpoint, app):
        return {"client_id": str(app.client_id), "client_secret": app.secret, "grant_type": self.grant_type}


class TestPasswordContract(GrantContract):
    grant_type = "password"
    api_types = {ApiType.MARKETPLACE}
    default_scope_by_type = {ApiType.MARKETPLACE: "user"}

    def request(self, token_endpoint, app):
        user = UserFactory()
        from tests.factories import PASSWORD

        return {
            "client_id": str(app.client_id),
            "client_secret": app.secret,
            "grant_type": self.grant_type,
            "username": user.email,
            "password": PASSWORD,
        }


class _ExchangeContract(GrantContract):
    api_types = {ApiType.MARKETPLACE}
    secret_needed_for = {ApiType.MARKETPLACE}
    default_scope_by_type = {ApiType.MARKETPLACE: "trusted:user"}

    def request(self, token_endpoint, app):
        subject = login(token_endpoint, app, UserFactory())["access_token"]
        return {
            "client_id": str(app.client_id),
            "client_secret": app.secret,
            "grant_type": self.grant_type,
            "subject_token": subject,
            "subject_token_type": "urn:ietf:params:oauth:token-type:access_token",
        }


class TestTokenExchangeContract(_ExchangeContract):
    grant_type = "token_exchange"


class TestTokenExchangeUrnContract(_ExchangeContract):
    grant_type = "urn:ietf:params:oauth:grant-type:token-exchange"


class TestRefreshTokenContract(GrantContract):
    grant_type = "refresh_token"
    api_types = {ApiType.MARKETPLACE, ApiType.INTEGRATION}
    default_scope_by_type = {ApiType.MARKETPLACE: "user", ApiType.INTEGRATION: "integ"}

    def request(self, token_endpoint, app):
        if app.api_type == ApiType.MARKETPLACE:
            token = login(token_endpoint, app, UserFactory())["refresh_token"]
        else:
            token = token_endpoint.post(
                {"client_id": str(app.client_id), "client_secret": app.secret, "grant_type": "client_credentials"}
            ).json()["refresh_token"]
        return {
            "client_id": str(app.client_id),
            "client_secret": app.secret,
            "grant_type": self.grant_type,
            "refresh_token": token,
        }


class TestAuthorizationCodeContract(GrantContract):
    grant_type = "authorization_code"
    api_types = {ApiType.MARKETPLACE}
    default_scope_by_type = {ApiType.MARKETPLACE: "user:limited"}

    def app(self, api_type):
        return ApplicationFactory(
            integration=api_type == ApiType.INTEGRATION,
            marketplace_url="" if api_type == ApiType.INTEGRATION else "https://market.example.com",
        )

    def request(self, token_endpoint, app):
        from tests.console import make_code

        return make_code(app).token_params(client_secret=app.secret)


def test_every_registered_grant_has_a_contract():
    covered = {
        cls.grant_type
        for cls in GrantContract.__subclasses__() + _ExchangeContract.__subclasses__()
        if hasattr(cls, "grant_type")
    }
    assert set(get_registry().names()) <= covered
    for name, cls in get_registry().items():
        contract = next(
            c
            for c in GrantContract.__subclasses__() + _ExchangeContract.__subclasses__()
            if getattr(c, "grant_type", None) == name
        )
        assert set(cls.api_types) == contract.api_types
