"""Login as user with a custom AUTH_USER_MODEL and user admin (run under tests.settings_custom_user)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from flex_auth_django.console import pkce
from tests.factories import ApplicationFactory

pytestmark = [
    pytest.mark.skipif(
        settings.AUTH_USER_MODEL != "custom_user.Member", reason="runs under tests.settings_custom_user"
    ),
    pytest.mark.django_db,
]

VERIFIER = "v" * 43


def test_button_authorize_as_and_token_with_uuid_users(client):
    Member = get_user_model()
    staff = Member.objects.create_superuser("boss@example.com", "pw")
    target = Member.objects.create_user("member@example.com", "pw")
    app = ApplicationFactory(marketplace_url="https://shop.example.com")
    client.force_login(staff)

    page = client.get(f"/admin/custom_user/member/{target.pk}/change/")
    assert page.status_code == 200
    assert 'id="flex-login-as-form"' in page.content.decode()

    start = client.post(f"/admin/flex_auth_django/session/login-as/{target.pk}/", {"application": app.pk})
    assert start["Location"] == f"https://shop.example.com/api/initiate-login-as?user_id={target.pk}"

    query = {
        "response_type": "code",
        "client_id": str(app.client_id),
        "redirect_uri": "https://shop.example.com/api/login-as",
        "user_id": str(target.pk),
        "state": "s",
        "code_challenge": pkce.challenge_of(VERIFIER),
        "code_challenge_method": "S256",
    }
    answer = client.get(f"/flex-console/api/authorize-as?{urlencode(query)}")
    assert answer.status_code == 302, answer.content
    code = parse_qs(urlsplit(answer["Location"]).query)["code"][0]

    token = client.post(
        "/oauth/token",
        urlencode(
            {
                "client_id": str(app.client_id),
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": "https://shop.example.com/api/login-as",
                "code_verifier": VERIFIER,
            }
        ),
        content_type="application/x-www-form-urlencoded",
    )
    assert token.status_code == 200, token.content
    body = token.json()
    assert body["scope"] == "user:limited" and "refresh_token" not in body

    info = client.post(
        "/oauth/introspect",
        urlencode({"client_id": str(app.client_id), "client_secret": app.secret, "token": body["access_token"]}),
        content_type="application/x-www-form-urlencoded",
    ).json()
    assert info["sub"] == str(target.pk) and info["act"] == {"sub": str(staff.pk)}

    sessions = client.get("/admin/flex_auth_django/session/")
    assert sessions.status_code == 200 and "boss@example.com" in sessions.content.decode()
