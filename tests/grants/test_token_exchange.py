"""token_exchange as a client sees it (spec: Grants, row 4)."""

from __future__ import annotations

import pytest

from flex_auth_django.models import AccessToken, TokenKind
from tests.factories import AccessTokenFactory, ApplicationFactory, UserFactory
from tests.helpers import exchange, login

pytestmark = pytest.mark.django_db

URN = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TYPE = "urn:ietf:params:oauth:token-type:access_token"


def test_sdk_form_gives_a_short_lived_trusted_token_without_refresh(token_endpoint, marketplace_app, user):
    user_token = login(token_endpoint, marketplace_app, user)["access_token"]
    response = token_endpoint.post(exchange(marketplace_app, user_token))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["scope"] == "trusted:user" and body["token_type"] == "bearer" and body["expires_in"] == 300
    assert response["Cache-Control"] == "no-store"
    trusted = AccessToken.objects.get(kind=TokenKind.TRUSTED_USER)
    subject = AccessToken.objects.get(kind=TokenKind.USER)
    assert trusted.user == user
    assert trusted.subject == subject
    assert trusted.family == subject.family


def test_rfc_8693_form_adds_issued_token_type(token_endpoint, marketplace_app, user):
    user_token = login(token_endpoint, marketplace_app, user)["access_token"]
    response = token_endpoint.post(exchange(marketplace_app, user_token, URN, subject_token_type=ACCESS_TYPE))
    assert response.status_code == 200
    assert response.json()["issued_token_type"] == ACCESS_TYPE
    assert response.json()["scope"] == "trusted:user"


def test_rfc_form_needs_subject_token_type(token_endpoint, marketplace_app, user):
    user_token = login(token_endpoint, marketplace_app, user)["access_token"]
    response = token_endpoint.post(exchange(marketplace_app, user_token, URN))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    "extra",
    [
        {"subject_token_type": "urn:ietf:params:oauth:token-type:refresh_token"},
        {"requested_token_type": "urn:ietf:params:oauth:token-type:id_token"},
        {"actor_token": "flxa_x", "actor_token_type": ACCESS_TYPE},
    ],
)
def test_unsupported_token_types_and_delegation_are_invalid_request(token_endpoint, marketplace_app, user, extra):
    user_token = login(token_endpoint, marketplace_app, user)["access_token"]
    response = token_endpoint.post(exchange(marketplace_app, user_token, **extra))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_missing_subject_token_is_invalid_request(token_endpoint, marketplace_app):
    response = token_endpoint.post(exchange(marketplace_app, None))
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request", "error_description": "Missing subject_token."}


def test_secret_is_required(token_endpoint, marketplace_app, user):
    user_token = login(token_endpoint, marketplace_app, user)["access_token"]
    params = exchange(marketplace_app, user_token)
    del params["client_secret"]
    response = token_endpoint.post(params)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_wrong_secret_is_invalid_client(token_endpoint, marketplace_app, user):
    user_token = login(token_endpoint, marketplace_app, user)["access_token"]
    response = token_endpoint.post(exchange(marketplace_app, user_token, client_secret="flxs_wrong"))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    "subject",
    [
        pytest.param(lambda app: AccessTokenFactory(application=app, anonymous=True), id="anonymous token"),
        pytest.param(lambda app: AccessTokenFactory(application=app, trusted=True), id="trusted token"),
        pytest.param(lambda app: AccessTokenFactory(application=app, expired=True), id="expired user token"),
        pytest.param(lambda app: AccessTokenFactory(application=app, revoked_now=True), id="revoked user token"),
        pytest.param(lambda app: AccessTokenFactory(application=ApplicationFactory()), id="other app's user token"),
        pytest.param(
            lambda app: AccessTokenFactory(application=app, user=UserFactory(is_active=False)),
            id="inactive user's token",
        ),
    ],
)
def test_subject_must_be_a_live_user_token_of_this_app(token_endpoint, marketplace_app, subject):
    token = subject(marketplace_app)
    response = token_endpoint.post(exchange(marketplace_app, token.raw))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.filter(kind=TokenKind.TRUSTED_USER, subject=token).exists()


@pytest.mark.parametrize("subject_token", ["undefined", "flxr_" + "A" * 43, "garbage", "flxa_" + "A" * 43])
def test_unknown_or_malformed_subject_is_invalid_grant(token_endpoint, marketplace_app, subject_token):
    response = token_endpoint.post(exchange(marketplace_app, subject_token))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_grant"


def test_scope_other_than_trusted_user_is_invalid_scope(token_endpoint, marketplace_app, user):
    user_token = login(token_endpoint, marketplace_app, user)["access_token"]
    response = token_endpoint.post(exchange(marketplace_app, user_token, scope="user"))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_integration_app_is_unauthorized_client(token_endpoint, integration_app):
    response = token_endpoint.post(exchange(integration_app, "flxa_" + "A" * 43))
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"


def test_trusted_lifetime_setting_is_used(token_endpoint, marketplace_app, user, settings):
    user_token = login(token_endpoint, marketplace_app, user)["access_token"]
    settings.FLEX_AUTH = {"TRUSTED_TOKEN_LIFETIME": 60}
    assert token_endpoint.post(exchange(marketplace_app, user_token)).json()["expires_in"] == 60


def test_a_trusted_token_never_outlives_its_subject(token_endpoint, marketplace_app, user, settings):
    settings.FLEX_AUTH = {"ACCESS_TOKEN_LIFETIME": 3, "TRUSTED_TOKEN_LIFETIME": 300}
    subject = login(token_endpoint, marketplace_app, user)
    assert subject["expires_in"] <= 3
    trusted = token_endpoint.post(exchange(marketplace_app, subject["access_token"]))
    assert trusted.status_code == 200
    assert 0 < trusted.json()["expires_in"] <= 3
    stored = AccessToken.objects.get(subject__isnull=False)
    assert stored.expires == stored.subject.expires


def test_a_longer_lived_subject_leaves_the_trusted_lifetime_alone(token_endpoint, marketplace_app, user, settings):
    settings.FLEX_AUTH = {"ACCESS_TOKEN_LIFETIME": 600, "TRUSTED_TOKEN_LIFETIME": 300}
    subject = login(token_endpoint, marketplace_app, user)
    assert token_endpoint.post(exchange(marketplace_app, subject["access_token"])).json()["expires_in"] == 300
