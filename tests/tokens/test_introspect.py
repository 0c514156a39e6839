"""POST introspect (RFC 7662) for resource servers (spec: Introspection)."""

from __future__ import annotations

import pytest

from tests.factories import AccessTokenFactory, ApplicationFactory, UserFactory
from tests.helpers import basic, login

pytestmark = pytest.mark.django_db


def ask(introspect_endpoint, app, token, **headers):
    return introspect_endpoint.post(
        {"token": token, "client_id": str(app.client_id), "client_secret": app.secret}, **headers
    )


def test_live_user_token(token_endpoint, introspect_endpoint, marketplace_app, user):
    token = login(token_endpoint, marketplace_app, user)["access_token"]
    response = ask(introspect_endpoint, marketplace_app, token)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["active"] is True
    assert body["scope"] == "user" and body["token_type"] == "access_token"
    assert body["client_id"] == str(marketplace_app.client_id)
    assert body["sub"] == str(user.pk)
    assert body["exp"] - body["iat"] == 600


def test_anonymous_token_has_no_sub(introspect_endpoint, marketplace_app):
    token = AccessTokenFactory(application=marketplace_app, anonymous=True)
    body = ask(introspect_endpoint, marketplace_app, token.raw).json()
    assert body["active"] is True and body["scope"] == "public-read" and "sub" not in body


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda app: AccessTokenFactory(application=app, expired=True).raw, id="expired"),
        pytest.param(lambda app: AccessTokenFactory(application=app, revoked_now=True).raw, id="revoked"),
        pytest.param(
            lambda app: AccessTokenFactory(application=app, user=UserFactory(is_active=False)).raw, id="inactive user"
        ),
        pytest.param(lambda app: AccessTokenFactory(application=ApplicationFactory()).raw, id="other app"),
        pytest.param(lambda app: "flxa_" + "A" * 43, id="unknown"),
        pytest.param(lambda app: "flxr_" + "A" * 43, id="refresh token"),
        pytest.param(lambda app: "undefined", id="garbage"),
    ],
)
def test_anything_not_live_is_only_inactive(introspect_endpoint, marketplace_app, make):
    response = ask(introspect_endpoint, marketplace_app, make(marketplace_app))
    assert response.status_code == 200
    assert response.json() == {"active": False}


def test_privileged_client_may_introspect_other_apps_tokens(introspect_endpoint, integration_app, settings):
    token = AccessTokenFactory()
    assert ask(introspect_endpoint, integration_app, token.raw).json() == {"active": False}
    settings.FLEX_AUTH = {"INTROSPECTION_CLIENT_IDS": [str(integration_app.client_id)]}
    assert ask(introspect_endpoint, integration_app, token.raw).json()["active"] is True


def test_basic_auth_works(introspect_endpoint, integration_app):
    token = AccessTokenFactory(integration=True, application=integration_app)
    response = introspect_endpoint.post(
        {"token": token.raw}, HTTP_AUTHORIZATION=basic(integration_app.client_id, integration_app.secret)
    )
    assert response.json()["active"] is True


def test_public_client_without_secret_is_refused(introspect_endpoint, marketplace_app):
    response = introspect_endpoint.post({"token": "x", "client_id": str(marketplace_app.client_id)})
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_wrong_secret_is_refused(introspect_endpoint, integration_app):
    response = introspect_endpoint.post(
        {"token": "x", "client_id": str(integration_app.client_id), "client_secret": "flxs_no"}
    )
    assert response.status_code == 401


def test_missing_token_is_invalid_request(introspect_endpoint, integration_app):
    response = introspect_endpoint.post(
        {"client_id": str(integration_app.client_id), "client_secret": integration_app.secret}
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_inactive_application_token_is_inactive(introspect_endpoint, integration_app, settings):
    token = AccessTokenFactory(application=ApplicationFactory(inactive=True))
    settings.FLEX_AUTH = {"INTROSPECTION_CLIENT_IDS": [str(integration_app.client_id)]}
    assert ask(introspect_endpoint, integration_app, token.raw).json() == {"active": False}
