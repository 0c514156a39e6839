"""Login-as tokens take the kind's format like every other kind (ACCESS_TOKEN_FORMATS), signed included.

Before the token-format strategy a Login-as token stayed opaque even when the setting said
signed. A signed one is an RFC 9068 JWT naming the staff member in `act`, has no row, is
still listed (and revocable) as a session in the admin, and keeps every Login-as limit.
"""

from __future__ import annotations

import jwt
import pytest

from flex_auth_django.models import AccessToken, Session, TokenKind
from tests.console import make_code
from tests.helpers import bearer

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.urls_protected")]


@pytest.fixture
def signed_login_as(token_formats):
    token_formats(login_as="signed")


def redeem(token_endpoint, code) -> dict:
    response = token_endpoint.post(code.token_params())
    assert response.status_code == 200, response.content
    return response.json()


def test_a_signed_login_as_token_names_the_staff_member_and_has_no_row(token_endpoint, signed_login_as):
    code = make_code()
    body = redeem(token_endpoint, code)
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["scope"] == "user:limited" and body["expires_in"] == 1800
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["sub"] == str(code.user.pk) and claims["act"] == {"sub": str(code.staff.pk)}
    assert claims["scope"] == "user:limited"
    assert jwt.get_unverified_header(body["access_token"])["typ"] == "at+jwt"
    assert not AccessToken.objects.exists()
    # Still a session the admin lists, with who acted, ending with the token.
    session = Session.objects.live().get()
    assert session.kind == TokenKind.LOGIN_AS and session.acted_by == code.staff
    assert str(session.family) == claims["sid"]


def test_introspection_names_the_staff_member_as_act(token_endpoint, introspect_endpoint, signed_login_as):
    code = make_code()
    access = redeem(token_endpoint, code)["access_token"]
    info = introspect_endpoint.post(
        {"client_id": str(code.app.client_id), "client_secret": code.app.secret, "token": access}
    ).json()
    assert info["active"] is True and info["scope"] == "user:limited"
    assert info["sub"] == str(code.user.pk) and info["act"] == {"sub": str(code.staff.pk)}


def test_the_limits_hold_for_a_signed_token(client, token_endpoint, signed_login_as):
    access = redeem(token_endpoint, make_code())["access_token"]
    assert client.get("/v1/api/current_user/show", **bearer(access)).status_code == 200
    refused = client.get("/drf/full-user", **bearer(access))
    assert refused.status_code == 403 and refused.json()["error"] == "insufficient_scope"
    assert client.get("/plain/full-user", **bearer(access)).status_code == 403


def test_revoking_the_session_from_the_admin_ends_the_signed_token(client, token_endpoint, signed_login_as):
    from flex_auth_django import tokens

    access = redeem(token_endpoint, make_code())["access_token"]
    assert client.get("/v1/api/current_user/show", **bearer(access)).status_code == 200
    assert tokens.revoke_sessions(Session.objects.live()) == 1
    assert client.get("/v1/api/current_user/show", **bearer(access)).status_code == 401


def test_with_the_dev_scope_setting_a_signed_token_is_still_a_login_as_token(token_endpoint, settings):
    settings.FLEX_AUTH = {"LOGIN_AS_SCOPE": "user", "ACCESS_TOKEN_FORMATS": {"login_as": "signed"}}
    from flex_auth_django import tokens

    access = redeem(token_endpoint, make_code())["access_token"]
    found = tokens.live_access(access)
    assert found is not None and found.kind == TokenKind.LOGIN_AS and found.scope == "user"


def test_a_signed_user_token_without_act_is_never_taken_for_login_as(token_endpoint, all_signed, marketplace_app, user):
    from flex_auth_django import tokens
    from tests.helpers import login

    access = login(token_endpoint, marketplace_app, user)["access_token"]
    assert "act" not in jwt.decode(access, options={"verify_signature": False})
    assert tokens.live_access(access).kind == TokenKind.USER
