"""The plain-Django decorators and BearerTokenMiddleware, as a client sees them."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client

from tests.factories import AccessTokenFactory, UserFactory
from tests.helpers import bearer

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.urls_protected")]

MIDDLEWARE_AFTER = "django.contrib.auth.middleware.AuthenticationMiddleware"
BEARER_MIDDLEWARE = "flex_auth_django.resource.middleware.BearerTokenMiddleware"


@pytest.fixture
def with_middleware(settings):
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(middleware.index(MIDDLEWARE_AFTER) + 1, BEARER_MIDDLEWARE)
    settings.MIDDLEWARE = middleware


class TestDecorator:
    def test_the_view_gets_the_tokens_user_and_the_token(self, client):
        token = AccessTokenFactory(trusted=True)
        body = client.get("/plain/user", **bearer(token)).json()
        assert body == {"user": token.user.get_username(), "kind": "trusted_user", "scopes": ["trusted:user"]}

    def test_anonymous_and_integration_tokens_act_as_anonymous_user(self, client):
        assert client.get("/plain/public-read", **bearer(AccessTokenFactory(anonymous=True))).json()["user"] is None
        assert client.get("/plain/integ", **bearer(AccessTokenFactory(integration=True))).json()["user"] is None

    def test_a_token_beats_the_session(self, client):
        # A signed-in browser session does not stand in for a token, nor override its user.
        session_user = UserFactory()
        client.force_login(session_user)
        assert client.get("/plain/user").status_code == 401
        token = AccessTokenFactory()
        assert client.get("/plain/user", **bearer(token)).json()["user"] == token.user.get_username()

    def test_post_needs_no_csrf_token(self):
        client = Client(enforce_csrf_checks=True)
        response = client.post("/plain/trusted:user", **bearer(AccessTokenFactory(trusted=True)))
        assert response.status_code == 200

    def test_errors_are_never_cached(self, client):
        response = client.get("/plain/user")
        assert response["Cache-Control"] == "no-store"

    def test_class_based_views_via_method_decorator(self, client):
        assert client.get("/plain-cbv/user").status_code == 401
        assert client.get("/plain-cbv/user", **bearer(AccessTokenFactory())).status_code == 200
        assert client.post("/plain-cbv/user", **bearer(AccessTokenFactory(anonymous=True))).status_code == 403

    def test_a_database_outage_is_503_json(self, client):
        with mock.patch("flex_auth_django.tokens.live_access", side_effect=OperationalError("down")):
            response = client.get("/plain/user", HTTP_AUTHORIZATION="Bearer flxa_" + "x" * 43)
        assert response.status_code == 503
        assert response.json()["error"] == "temporarily_unavailable"
        assert response["Retry-After"] == "5"


@pytest.mark.usefixtures("with_middleware")
class TestMiddleware:
    def test_identifies_the_token_for_any_view(self, client):
        token = AccessTokenFactory()
        body = client.get("/plain-open", **bearer(token)).json()
        assert body == {"user": token.user.get_username(), "kind": "user", "scopes": ["user"]}

    def test_leaves_requests_without_a_bearer_alone(self, client):
        session_user = UserFactory()
        client.force_login(session_user)
        response = client.get("/plain-open")
        assert response.status_code == 200
        assert response.json() == {"user": session_user.get_username(), "kind": None, "scopes": None}

    def test_a_dead_token_means_anonymous_never_the_session_user(self, client):
        client.force_login(UserFactory())
        body = client.get("/plain-open", HTTP_AUTHORIZATION="Bearer flxa_" + "x" * 43).json()
        assert body == {"user": None, "kind": None, "scopes": None}

    def test_a_dead_token_still_gets_401_from_a_protected_view(self, client):
        response = client.get("/plain/user", **bearer(AccessTokenFactory(expired=True)))
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_token"

    @pytest.mark.parametrize(
        "url, kind",
        [("/plain/user", "user"), ("/v1/api/current_user/show", "user"), ("/plain/integ", "integration")],
    )
    @pytest.mark.parametrize("expired", [False, True])
    def test_middleware_and_view_share_one_query(self, client, django_assert_num_queries, url, kind, expired):
        """One lookup serves both, for a live token (the view answers 200) and a dead one (401 invalid_token)."""
        token = AccessTokenFactory(expired=expired, integration=kind == "integration")
        with django_assert_num_queries(1):
            response = client.get(url, **bearer(token))
        if expired:
            assert response.status_code == 401, response.content
            assert response.json()["error"] == "invalid_token"
        else:
            assert response.status_code == 200, response.content

    def test_a_database_outage_lets_the_protected_view_answer_503(self, client):
        with mock.patch("flex_auth_django.tokens.live_access", side_effect=OperationalError("down")):
            response = client.get("/plain/user", HTTP_AUTHORIZATION="Bearer flxa_" + "x" * 43)
        assert response.status_code == 503
