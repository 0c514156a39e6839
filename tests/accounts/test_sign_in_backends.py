"""Two logins side by side (issue 14 part 2): the admin by username, the password grant by email.

The documented AUTHENTICATION_BACKENDS lists EmailBackend and Django's ModelBackend, so
neither login replaces the other. Users with a blank email, or sharing an email with
another account, still reach the admin by username.
"""

from __future__ import annotations

import pytest

from flex_auth_django.models import AccessToken
from tests.factories import PASSWORD, UserFactory
from tests.helpers import password_grant as pw

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/?next=/admin/"
MODEL = "django.contrib.auth.backends.ModelBackend"
EMAIL = "flex_auth_django.backends.EmailBackend"
BAD = {"error": "invalid_grant", "error_description": "Invalid username or password."}


def admin_login(client, username: str, password: str = PASSWORD):
    return client.post(ADMIN_LOGIN, {"username": username, "password": password, "next": "/admin/"})


def signed_in_to_admin(client, response) -> bool:
    redirected = response.status_code == 302 and response["Location"] == "/admin/"
    return redirected and client.get("/admin/").status_code == 200


def staff(**kwargs):
    return UserFactory(is_staff=True, is_superuser=True, **kwargs)


def test_the_example_settings_list_both_backends(settings):
    assert settings.AUTHENTICATION_BACKENDS == [EMAIL, MODEL]


def test_admin_signs_staff_in_by_username(client):
    user = staff(username="ops", email="ops@example.com")
    assert signed_in_to_admin(client, admin_login(client, "ops"))
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.session["_auth_user_backend"] == MODEL


def test_admin_refuses_a_wrong_password(client):
    staff(username="ops", email="ops@example.com")
    response = admin_login(client, "ops", "wrong")
    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.content.decode()


def test_password_grant_signs_in_by_email(token_endpoint, marketplace_app):
    user = UserFactory(username="alice", email="Alice@Example.com")
    response = token_endpoint.post(pw(marketplace_app, "alice@example.com"))
    assert response.status_code == 200, response.content
    assert AccessToken.objects.get().user == user


def test_a_blank_email_never_signs_in_by_email(client, token_endpoint, marketplace_app):
    user = staff(username="blank", email="")
    for username in ("", " "):
        response = token_endpoint.post(pw(marketplace_app, username))
        assert response.status_code in (400, 401), response.content
        assert response.json()["error"] in ("invalid_request", "invalid_grant")
    assert not AccessToken.objects.exists()
    # By username, as ModelBackend takes it: the admin, and the grant too.
    assert signed_in_to_admin(client, admin_login(client, "blank"))
    assert token_endpoint.post(pw(marketplace_app, "blank")).status_code == 200
    assert AccessToken.objects.get().user == user


def test_two_users_sharing_an_email_sign_in_by_username_only(client, token_endpoint, marketplace_app):
    first = staff(username="twin1", email="twin@example.com")
    second = staff(username="twin2", email="TWIN@example.com")
    for spelling in ("twin@example.com", "TWIN@example.com"):
        response = token_endpoint.post(pw(marketplace_app, spelling))
        assert response.status_code == 401
        assert response.json() == BAD  # no oracle: the same answer as a wrong password
    assert signed_in_to_admin(client, admin_login(client, "twin1"))
    assert int(client.session["_auth_user_id"]) == first.pk
    client.logout()
    assert signed_in_to_admin(client, admin_login(client, "twin2"))
    assert int(client.session["_auth_user_id"]) == second.pk
    assert token_endpoint.post(pw(marketplace_app, "twin2")).status_code == 200


@pytest.mark.parametrize("backends", [[EMAIL, MODEL], [MODEL, EMAIL]])
def test_both_logins_work_with_either_order(client, token_endpoint, marketplace_app, settings, backends):
    settings.AUTHENTICATION_BACKENDS = backends
    staff(username="ops", email="ops@example.com")
    assert token_endpoint.post(pw(marketplace_app, "OPS@example.com")).status_code == 200
    assert signed_in_to_admin(client, admin_login(client, "ops"))


def test_email_backend_alone_locks_staff_out_of_the_username_login(client, settings):
    """The README's old advice, and why it changed."""
    settings.AUTHENTICATION_BACKENDS = [EMAIL]
    staff(username="ops", email="ops@example.com")
    assert not signed_in_to_admin(client, admin_login(client, "ops"))


def test_model_backend_alone_signs_no_one_in_by_email(token_endpoint, marketplace_app, settings):
    """Django's default: the reason the README lists EmailBackend too."""
    settings.AUTHENTICATION_BACKENDS = [MODEL]
    UserFactory(username="alice", email="alice@example.com")
    assert token_endpoint.post(pw(marketplace_app, "alice@example.com")).json() == BAD
