"""The Django admin's login form under the password throttle (issue 15 item 5), through /admin/login/.

The same counters as the password grant: 10 failures per (account, IP), 100 per account,
50 per IP. Over a limit the form refuses with a message saying when to try again, and
no password hash runs (PBKDF2 iterations counted, as tests/accounts/test_timing.py does).
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import hashers
from django.urls import reverse

from flex_auth_django.admin import ThrottledAdminAuthenticationForm
from tests.factories import PASSWORD, ApplicationFactory, UserFactory
from tests.helpers import password_grant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("throttle_cache", "clock")]

LOGIN_URL = reverse("admin:login")
THROTTLED = "Too many failed sign-in attempts"


@pytest.fixture
def pbkdf2_iterations(settings, monkeypatch):
    """PBKDF2 iterations requested (the real hasher, running one iteration to stay fast)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    real = hashers.pbkdf2
    work: list[int] = []

    def spy(password, salt, iterations, digest=None, dklen=None):
        work.append(iterations)
        return real(password, salt, 1, digest=digest, dklen=dklen)

    monkeypatch.setattr(hashers, "pbkdf2", spy)
    return work


@pytest.fixture
def staff(pbkdf2_iterations):
    user = UserFactory(is_staff=True, is_superuser=True)
    pbkdf2_iterations.clear()  # creating the user hashed its password
    return user


def sign_in(client, username: str, password: str, ip: str = "203.0.113.1"):
    return client.post(LOGIN_URL, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip)


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_the_default_admin_site_uses_the_throttled_form():
    assert admin.site.login_form is ThrottledAdminAuthenticationForm


def test_ten_failures_then_the_form_refuses_without_hashing(client, staff, pbkdf2_iterations, settings):
    for _ in range(10):
        response = sign_in(client, staff.email, "wrong")
        assert response.status_code == 200 and "Please enter the correct" in response.content.decode()
    # A failure costs one hash per configured backend (EmailBackend and ModelBackend).
    assert len(pbkdf2_iterations) == 10 * len(settings.AUTHENTICATION_BACKENDS)
    pbkdf2_iterations.clear()
    refused = sign_in(client, staff.email, PASSWORD)
    assert refused.status_code == 200 and not signed_in(refused)
    page = refused.content.decode()
    assert THROTTLED in page and "try again in about 15 minutes" in page
    assert pbkdf2_iterations == []  # no hash ran for the refused attempt
    assert "_auth_user_id" not in client.session
    # From another address the right password still signs in.
    assert signed_in(sign_in(client, staff.email, PASSWORD, ip="203.0.113.2"))


def test_an_unknown_user_is_refused_the_same_way(client, staff, pbkdf2_iterations):
    def run(username: str) -> list[bool]:
        return [THROTTLED in sign_in(client, username, "wrong").content.decode() for _ in range(11)]

    assert run(staff.email) == run("nobody@example.com") == [False] * 10 + [True]


def test_the_admin_and_the_password_grant_share_the_counters(client, staff, token_endpoint):
    app = ApplicationFactory()
    body = password_grant(app, staff.email, "wrong")
    for _ in range(5):
        assert token_endpoint.post(body, REMOTE_ADDR="203.0.113.7").status_code == 401
    for _ in range(5):
        assert THROTTLED not in sign_in(client, staff.email, "wrong", ip="203.0.113.7").content.decode()
    assert THROTTLED in sign_in(client, staff.email, PASSWORD, ip="203.0.113.7").content.decode()
    assert token_endpoint.post({**body, "password": PASSWORD}, REMOTE_ADDR="203.0.113.7").status_code == 429


def test_a_success_resets_the_pair(client, staff):
    for _ in range(9):
        sign_in(client, staff.email, "wrong")
    assert signed_in(sign_in(client, staff.email, PASSWORD))
    client.logout()
    for _ in range(10):
        assert THROTTLED not in sign_in(client, staff.email, "wrong").content.decode()


def test_a_dead_throttle_cache_refuses_with_a_message(client, staff, dead_throttle_cache, pbkdf2_iterations):
    response = sign_in(client, staff.email, PASSWORD)
    assert response.status_code == 200 and "temporarily unavailable" in response.content.decode()
    assert pbkdf2_iterations == []


def test_non_staff_with_the_right_password_are_still_refused(client, pbkdf2_iterations):
    user = UserFactory()
    response = sign_in(client, user.email, PASSWORD)
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_unknown_users_cost_the_admin_form_the_same_hash(client, staff, pbkdf2_iterations, settings):
    work = {}
    for name, (username, password) in {
        "wrong password": (staff.email, "wrong"),
        "unknown user": ("nobody@example.com", "wrong"),
    }.items():
        pbkdf2_iterations.clear()
        assert not signed_in(sign_in(client, username, password))
        work[name] = sum(pbkdf2_iterations)
    per_failure = len(settings.AUTHENTICATION_BACKENDS) * hashers.PBKDF2PasswordHasher.iterations
    assert work["wrong password"] == work["unknown user"] == per_failure
