"""Kill switches, checked on every use: inactive application, inactive or deleted user, password change."""

from __future__ import annotations

import pytest

from flex_auth_django.models import AccessToken, RefreshToken
from tests.helpers import login

pytestmark = pytest.mark.django_db


def introspect(introspect_endpoint, app, token):
    return introspect_endpoint.post(
        {"token": token, "client_id": str(app.client_id), "client_secret": app.secret}
    ).json()


def test_password_change_revokes_the_users_sessions(token_endpoint, introspect_endpoint, marketplace_app, user):
    session = login(token_endpoint, marketplace_app, user)
    user.set_password("a brand new password")
    user.save()
    assert introspect(introspect_endpoint, marketplace_app, session["access_token"]) == {"active": False}
    response = token_endpoint.post(
        {
            "client_id": str(marketplace_app.client_id),
            "grant_type": "refresh_token",
            "refresh_token": session["refresh_token"],
        }
    )
    assert response.status_code == 401
    assert login(token_endpoint, marketplace_app, user, "a brand new password")["access_token"]


def test_password_change_revocation_can_be_switched_off(
    token_endpoint, introspect_endpoint, marketplace_app, user, settings
):
    settings.FLEX_AUTH = {"PASSWORD_CHANGE_REVOKES_SESSIONS": False}
    session = login(token_endpoint, marketplace_app, user)
    user.set_password("another")
    user.save()
    assert introspect(introspect_endpoint, marketplace_app, session["access_token"])["active"] is True


def test_other_saves_of_the_user_keep_sessions(token_endpoint, introspect_endpoint, marketplace_app, user):
    session = login(token_endpoint, marketplace_app, user)
    user.first_name = "New"
    user.save()
    assert introspect(introspect_endpoint, marketplace_app, session["access_token"])["active"] is True


def test_deactivated_user_tokens_stop_at_once(token_endpoint, introspect_endpoint, marketplace_app, user):
    session = login(token_endpoint, marketplace_app, user)
    user.is_active = False
    user.save()
    assert introspect(introspect_endpoint, marketplace_app, session["access_token"]) == {"active": False}
    user.is_active = True
    user.save()
    assert introspect(introspect_endpoint, marketplace_app, session["access_token"])["active"] is True


def test_deleted_user_takes_their_tokens(token_endpoint, marketplace_app, user):
    login(token_endpoint, marketplace_app, user)
    user.delete()
    assert not AccessToken.objects.exists() and not RefreshToken.objects.exists()


def test_deactivated_application_tokens_stop_at_once(
    token_endpoint, introspect_endpoint, marketplace_app, integration_app, user, settings
):
    session = login(token_endpoint, marketplace_app, user)
    settings.FLEX_AUTH = {"INTROSPECTION_CLIENT_IDS": [str(integration_app.client_id)]}
    assert introspect(introspect_endpoint, integration_app, session["access_token"])["active"] is True
    marketplace_app.is_active = False
    marketplace_app.save()
    assert introspect(introspect_endpoint, integration_app, session["access_token"]) == {"active": False}
