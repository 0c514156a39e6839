"""What a Login-as token (scope user:limited) may and may not do (spec: Login as user, limits)."""

from __future__ import annotations

import pytest

from flex_auth_django.models import AccessToken
from tests.console import make_code
from tests.factories import AccessTokenFactory
from tests.helpers import bearer, exchange

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.urls_protected")]


@pytest.fixture
def limited(token_endpoint):
    code = make_code()
    body = token_endpoint.post(code.token_params()).json()
    assert body["scope"] == "user:limited"
    return code, body["access_token"]


def test_passes_the_ready_made_user_permission_on_the_demo_api(client, limited):
    code, token = limited
    response = client.get("/v1/api/current_user/show", **bearer(token))
    assert response.status_code == 200, response.content
    assert response.json()["data"]["attributes"]["email"] == code.user.email


def test_passes_public_read_and_plain_user_views(client, limited):
    _, token = limited
    assert client.get("/v1/api/marketplace/show", **bearer(token)).status_code == 200
    assert client.get("/plain/user", **bearer(token)).status_code == 200


@pytest.mark.parametrize("path", ["/drf/full-user", "/plain/full-user", "/drf/user-not-limited"])
def test_refused_by_views_that_need_full_rights(client, limited, path):
    _, token = limited
    response = client.get(path, **bearer(token))
    assert response.status_code == 403
    if path != "/drf/user-not-limited":  # composed permissions answer DRF's generic 403
        assert response.json()["error"] == "insufficient_scope"
        assert "user:limited" in response.json()["error_description"]
        assert response["WWW-Authenticate"].startswith('Bearer error="insufficient_scope"')


@pytest.mark.parametrize("path", ["/drf/full-user", "/plain/full-user", "/drf/user-not-limited"])
def test_full_rights_views_still_serve_ordinary_user_and_trusted_tokens(client, path):
    for token in (AccessTokenFactory(), AccessTokenFactory(trusted=True)):
        assert client.get(path, **bearer(token.raw)).status_code == 200


def test_full_rights_views_refuse_anonymous_tokens(client):
    response = client.get("/drf/full-user", **bearer(AccessTokenFactory(anonymous=True).raw))
    assert response.status_code == 403 and response.json()["error"] == "insufficient_scope"


def test_with_the_dev_scope_setting_user_the_token_has_full_rights(client, token_endpoint, settings):
    settings.FLEX_AUTH = {"LOGIN_AS_SCOPE": "user"}
    token = token_endpoint.post(make_code().token_params()).json()["access_token"]
    assert client.get("/drf/full-user", **bearer(token)).status_code == 200


def test_not_a_trusted_user(client, limited):
    _, token = limited
    response = client.post("/v1/api/demo/privileged", **bearer(token))
    assert response.status_code == 403


@pytest.mark.parametrize("grant_type", ["token_exchange", "urn:ietf:params:oauth:grant-type:token-exchange"])
def test_token_exchange_refuses_a_limited_subject(token_endpoint, limited, grant_type):
    code, token = limited
    params = exchange(code.app, token, grant_type, subject_token_type="urn:ietf:params:oauth:token-type:access_token")
    response = token_endpoint.post(params)
    assert response.status_code == 401 and response.json()["error"] == "invalid_grant"
    assert AccessToken.objects.count() == 1


def test_token_exchange_refuses_a_limited_subject_even_with_the_dev_scope(token_endpoint, settings):
    settings.FLEX_AUTH = {"LOGIN_AS_SCOPE": "user"}
    code = make_code()
    token = token_endpoint.post(code.token_params()).json()["access_token"]
    response = token_endpoint.post(exchange(code.app, token))
    assert response.status_code == 401 and response.json()["error"] == "invalid_grant"


def test_token_exchange_refuses_any_token_scoped_user_limited(token_endpoint):
    subject = AccessTokenFactory(scope="user:limited")  # a user-kind row with a limited scope
    response = token_endpoint.post(exchange(subject.application, subject.raw))
    assert response.status_code == 401 and response.json()["error"] == "invalid_grant"


def test_dot_style_exact_scope_checks_do_not_take_user_limited_for_user(limited):
    token = AccessToken.objects.get()
    assert token.allow_scopes(["user:limited"]) and not token.allow_scopes(["user"])


def test_logout_revoke_of_the_access_token_ends_it(client, limited):
    """The SDK sends nothing on logout without a refresh token, but an RFC 7009 revoke works."""
    code, token = limited
    response = client.post(
        "/oauth/revoke", f"token={token}", content_type="application/x-www-form-urlencoded", **bearer(token)
    )
    assert response.status_code == 200
    assert client.get("/v1/api/current_user/show", **bearer(token)).status_code == 401


def test_a_user_row_labelled_user_limited_is_still_refused_full_rights(client):
    token = AccessTokenFactory(scope="user:limited")  # kind user, scope limited: the scope wins
    assert client.get("/v1/api/current_user/show", **bearer(token.raw)).status_code == 200
    assert client.get("/drf/full-user", **bearer(token.raw)).status_code == 403
