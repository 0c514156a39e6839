"""password as a client sees it (spec: Grants, row 3; Errors)."""

from __future__ import annotations

import pytest

from flex_auth_django.models import AccessToken, RefreshToken, TokenKind
from tests.factories import PASSWORD, UserFactory
from tests.helpers import basic

pytestmark = pytest.mark.django_db

BAD = {"error": "invalid_grant", "error_description": "Invalid username or password."}


def pw(app, username, password=PASSWORD, **extra):
    return {
        "client_id": str(app.client_id),
        "grant_type": "password",
        "username": username,
        "password": password,
        **extra,
    }


def test_email_and_password_get_a_user_token_and_refresh_token(token_endpoint, marketplace_app, user):
    response = token_endpoint.post(pw(marketplace_app, user.email, scope="user"))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope", "refresh_token"}
    assert body["token_type"] == "bearer" and body["scope"] == "user" and body["expires_in"] == 600
    assert response["Cache-Control"] == "no-store" and response["Pragma"] == "no-cache"
    access, refresh = AccessToken.objects.get(), RefreshToken.objects.get()
    assert access.kind == refresh.kind == TokenKind.USER
    assert access.user == refresh.user == user
    assert access.family == refresh.family
    assert len(response.content) < 1024  # the SDK keeps the whole body in a cookie


def test_scope_defaults_to_user(token_endpoint, marketplace_app, user):
    assert token_endpoint.post(pw(marketplace_app, user.email)).json()["scope"] == "user"


def test_email_is_case_insensitive(token_endpoint, marketplace_app, user):
    assert token_endpoint.post(pw(marketplace_app, user.email.upper())).status_code == 200


def test_space_encoded_as_percent_20_is_decoded(token_endpoint, marketplace_app):
    """The SDKs encode spaces as %20, not '+'."""
    user = UserFactory(password="two words")
    body = f"client_id={marketplace_app.client_id}&grant_type=password&username={user.email}&password=two%20words"
    assert token_endpoint.post(body=body).status_code == 200


def test_wrong_password_unknown_user_and_inactive_user_answer_identically(token_endpoint, marketplace_app, user):
    inactive = UserFactory(is_active=False)
    answers = [
        token_endpoint.post(pw(marketplace_app, user.email, "wrong password")),
        token_endpoint.post(pw(marketplace_app, "nobody@example.com")),
        token_endpoint.post(pw(marketplace_app, inactive.email)),
        token_endpoint.post(pw(marketplace_app, "undefined", "undefined")),
    ]
    for response in answers:
        assert response.status_code == 401
        assert response.json() == BAD
        assert "WWW-Authenticate" not in response
    assert len({r.content for r in answers}) == 1
    assert AccessToken.objects.count() == 0


@pytest.mark.parametrize("missing", ["username", "password"])
def test_missing_username_or_password_is_invalid_request(token_endpoint, marketplace_app, user, missing):
    params = pw(marketplace_app, user.email)
    del params[missing]
    response = token_endpoint.post(params)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert missing in response.json()["error_description"]


@pytest.mark.parametrize("scope", ["public-read", "trusted:user", "integ", "user trusted:user"])
def test_other_scopes_are_invalid_scope(token_endpoint, marketplace_app, user, scope):
    response = token_endpoint.post(pw(marketplace_app, user.email, scope=scope))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_integration_app_may_not_use_password_grant(token_endpoint, integration_app, user):
    response = token_endpoint.post(pw(integration_app, user.email, client_secret=integration_app.secret))
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"


def test_integration_app_without_secret_is_still_unauthorized_client(token_endpoint, integration_app, user):
    response = token_endpoint.post(pw(integration_app, user.email))
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"


def test_unauthorized_client_does_not_check_the_password(token_endpoint, integration_app, user, monkeypatch):
    calls = []
    monkeypatch.setattr("flex_auth_django.accounts.passwords.authenticate", lambda *a, **k: calls.append(1))
    token_endpoint.post(pw(integration_app, user.email, client_secret=integration_app.secret))
    assert calls == []


def test_wrong_secret_is_invalid_client_before_the_password_is_checked(token_endpoint, marketplace_app, user):
    response = token_endpoint.post(pw(marketplace_app, user.email, client_secret="flxs_nope"))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_basic_auth_failure_gets_basic_challenge(token_endpoint, marketplace_app, user):
    params = pw(marketplace_app, user.email)
    del params["client_id"]
    response = token_endpoint.post(params, HTTP_AUTHORIZATION=basic(marketplace_app.client_id, "wrong"))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response["WWW-Authenticate"] == 'Basic realm="flex-auth"'


def test_invalid_grant_status_can_be_400_for_rfc_clients(token_endpoint, marketplace_app, user, settings):
    settings.FLEX_AUTH = {"INVALID_GRANT_STATUS": 400}
    response = token_endpoint.post(pw(marketplace_app, user.email, "wrong"))
    assert response.status_code == 400
    assert response.json() == BAD


def test_lifetime_setting_is_used(token_endpoint, marketplace_app, user, settings):
    settings.FLEX_AUTH = {"ACCESS_TOKEN_LIFETIME": 120}
    assert token_endpoint.post(pw(marketplace_app, user.email)).json()["expires_in"] == 120


def test_refresh_token_expires_after_thirty_days_within_the_session_limit(token_endpoint, marketplace_app, user):
    token_endpoint.post(pw(marketplace_app, user.email))
    refresh = RefreshToken.objects.get()
    assert abs((refresh.expires - refresh.created).total_seconds() - 30 * 86400) < 1
    assert refresh.family_started == refresh.created
