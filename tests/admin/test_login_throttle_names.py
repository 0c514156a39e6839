"""A username and its account's email share one throttle counter (issue 21 item 2), on SQLite and PostgreSQL.

The admin's login form signs staff in by email (EmailBackend) and by username
(ModelBackend). The counters used to key on the email lookup alone, so ten wrong
passwords as the username left the email's budget untouched (and the ceilings doubled).
Spec (Throttling): the key is the account any backend resolves the name to; a name two
backends resolve to two different users charges both.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import PASSWORD, ApplicationFactory, UserFactory
from tests.helpers import TOKEN_URL, Endpoint, password_grant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("throttle_cache", "clock")]

LOGIN_URL = reverse("admin:login")
THROTTLED = "Too many failed sign-in attempts"
USERNAME, EMAIL = "rt3throttlename", "rt3@example.com"


@pytest.fixture
def staff():
    return UserFactory(username=USERNAME, email=EMAIL, is_staff=True, is_superuser=True)


def admin(client, username: str, password: str, ip: str):
    """'signed in', 'throttled' or 'refused': what the admin's login form answered."""
    response = client.post(LOGIN_URL, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip)
    if response.status_code == 302 and response["Location"] == "/admin/":
        client.logout()
        return "signed in"
    return "throttled" if THROTTLED in response.content.decode() else "refused"


def grant(client, app, username: str, password: str, ip: str) -> int:
    return Endpoint(client, TOKEN_URL).post(password_grant(app, username, password), REMOTE_ADDR=ip).status_code


def fail(client, username: str, times: int, ip: str) -> None:
    for _ in range(times):
        assert admin(client, username, "wrong", ip) == "refused"


@pytest.mark.parametrize("guessed, then", [(USERNAME, EMAIL), (EMAIL, USERNAME)])
def test_ten_failures_by_one_name_throttle_the_other_from_that_address(client, staff, guessed, then):
    fail(client, guessed, 10, "203.0.113.1")
    assert admin(client, then, PASSWORD, "203.0.113.1") == "throttled"
    assert admin(client, then, PASSWORD, "203.0.113.2") == "signed in"  # elsewhere, the right password works


def test_the_account_ceiling_counts_both_names(client, staff):
    for n in range(100):  # one guess each from 100 addresses, alternating the names: 50 each
        admin(client, USERNAME if n % 2 else EMAIL, "wrong", f"198.18.0.{n + 1}")
    assert admin(client, USERNAME, PASSWORD, "203.0.113.50") == "throttled"
    assert admin(client, EMAIL, PASSWORD, "203.0.113.51") == "throttled"


def test_the_password_grant_and_the_admin_share_the_counter_across_names(client, staff):
    app = ApplicationFactory()
    for _ in range(5):
        assert grant(client, app, USERNAME, "wrong", "203.0.113.7") == 401  # the grant takes usernames too
    fail(client, EMAIL, 5, "203.0.113.7")
    assert admin(client, USERNAME, PASSWORD, "203.0.113.7") == "throttled"
    assert grant(client, app, EMAIL, PASSWORD, "203.0.113.7") == 429


def test_a_success_by_either_name_starts_the_pair_over(client, staff):
    fail(client, USERNAME, 9, "203.0.113.1")
    assert admin(client, EMAIL, PASSWORD, "203.0.113.1") == "signed in"
    fail(client, USERNAME, 9, "203.0.113.1")
    assert admin(client, EMAIL, PASSWORD, "203.0.113.1") == "signed in"


@pytest.mark.parametrize("known", [True, False])
def test_a_username_in_another_case_is_throttled_alike_for_existing_and_unknown_accounts(client, known):
    """No oracle: ModelBackend matches usernames exactly, but the name's own fold is still charged."""
    name = USERNAME if known else "nobodythrottlename"
    if known:
        UserFactory(username=USERNAME, email=EMAIL, is_staff=True)
    fail(client, name, 10, "203.0.113.9")
    assert admin(client, name.upper(), "wrong", "203.0.113.9") == "throttled"
    assert admin(client, name.capitalize(), "wrong", "203.0.113.10") == "refused"


# -- one name, two accounts ------------------------------------------------------------------
SHARED = "shared@example.com"


@pytest.fixture
def two_accounts():
    """A's username is B's email: ModelBackend resolves SHARED to A, EmailBackend to B."""
    a = UserFactory(username=SHARED, email="a@example.com")
    b = UserFactory(username="b-user", email=SHARED)
    return a, b


def test_a_name_two_backends_resolve_to_two_users_charges_both(client, two_accounts):
    app = ApplicationFactory()
    for _ in range(10):
        assert grant(client, app, SHARED, "wrong", "203.0.113.20") == 401
    assert grant(client, app, "a@example.com", PASSWORD, "203.0.113.20") == 429  # A by its email
    assert grant(client, app, "b-user", PASSWORD, "203.0.113.20") == 429  # B by its username
    assert grant(client, app, "b-user", PASSWORD, "203.0.113.21") == 200


def test_one_accounts_success_does_not_start_the_others_counter_over(client, two_accounts, settings):
    """Whoever knows A's password signs in as A with the shared name; that must not reset B's pair."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    a, b = two_accounts
    b.set_password("b's own password")
    b.save()
    app = ApplicationFactory()
    for _ in range(9):
        assert grant(client, app, SHARED, "wrong", "203.0.113.30") == 401
    assert grant(client, app, SHARED, PASSWORD, "203.0.113.30") == 200  # as A (ModelBackend)
    assert grant(client, app, SHARED, "wrong", "203.0.113.30") == 401
    assert grant(client, app, "b-user", "b's own password", "203.0.113.30") == 429


# -- cost ------------------------------------------------------------------------------------
def name_lookups(queries) -> list[str]:
    """The queries that look a user up by a name (email or username), not by id."""
    wheres = [q["sql"].split(" WHERE ", 1)[-1] for q in queries.captured_queries if 'FROM "auth_user"' in q["sql"]]
    return [w for w in wheres if '"auth_user"."email"' in w or '"auth_user"."username"' in w]


def test_both_backends_names_are_resolved_in_one_user_query(client, staff):
    with CaptureQueriesContext(connection) as by_email:
        assert admin(client, EMAIL, PASSWORD, "203.0.113.40") == "signed in"
    assert len(name_lookups(by_email)) == 1, name_lookups(by_email)  # EmailBackend reuses the throttle's rows
    with CaptureQueriesContext(connection) as by_username:
        assert admin(client, USERNAME, PASSWORD, "203.0.113.41") == "signed in"
    # ... and Django's ModelBackend looks its user up itself: two, as before the keys were shared.
    assert len(name_lookups(by_username)) == 2, name_lookups(by_username)


def test_a_user_behind_many_sharing_an_email_is_still_resolved(client):
    """Five accounts share the email that is A's username: A's row may not fit the one query, so it is looked up."""
    for n in range(5):
        UserFactory(username=f"sharer-{n}", email=SHARED.upper() if n % 2 else SHARED)
    a = UserFactory(username=SHARED, email="a@example.com")
    app = ApplicationFactory()
    for _ in range(10):
        assert grant(client, app, SHARED, "wrong", "203.0.113.60") == 401
    assert grant(client, app, a.email, PASSWORD, "203.0.113.60") == 429
    assert grant(client, app, a.email, PASSWORD, "203.0.113.61") == 200
