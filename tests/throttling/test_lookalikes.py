"""Look-alike spellings of one email share its throttle counters (issue 15 item 3), on SQLite and PostgreSQL.

The EmailBackend matches UPPER(email) = UPPER(%s) on PostgreSQL, where "ı" (dotless i)
and "ſ" (long s) upper-case to "I" and "S" and so sign in as the plain address, while
the Kelvin sign "K" and full-width letters do not; SQLite's LIKE folds ASCII only. Each
spelling that signs in as the user must count on the user's counters, and every other
spelling on a counter of its own that behaves the same for an unknown address.
"""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import PASSWORD, ApplicationFactory, UserFactory
from tests.helpers import password_grant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("throttle_cache", "clock")]

PLAIN = "skid.unicode@example.com"
SPELLINGS = {
    "ascii upper case": "SKID.Unicode@EXAMPLE.com",
    "dotless i": "sk\u0131d.unicode@example.com",
    "long s": "\u017fkid.unicode@example.com",
    "kelvin sign": "s\u212aid.unicode@example.com",
    "full-width": "\uff53\uff4b\uff49\uff44.unicode@example.com",
}
# Which spellings the database's own lookup takes for the plain address.
SIGNS_IN = {
    "postgresql": {"ascii upper case", "dotless i", "long s"},
    "sqlite": {"ascii upper case"},
}


def signs_in(token_endpoint, app, username: str, ip: str) -> int:
    return token_endpoint.post(password_grant(app, username, PASSWORD), REMOTE_ADDR=ip).status_code


def fail_ten_times(token_endpoint, app, username: str, ip: str) -> None:
    for _ in range(10):
        assert token_endpoint.post(password_grant(app, username, "wrong"), REMOTE_ADDR=ip).status_code == 401


@pytest.fixture
def app():
    return ApplicationFactory()


@pytest.fixture
def owner():
    return UserFactory(email=PLAIN)


@pytest.mark.parametrize("name", list(SPELLINGS))
def test_each_spelling_that_signs_in_shares_the_users_counter(token_endpoint, app, owner, name):
    spelling = SPELLINGS[name]
    expected = name in SIGNS_IN.get(connection.vendor, SIGNS_IN["postgresql"])
    assert (signs_in(token_endpoint, app, spelling, "203.0.113.1") == 200) is expected
    # Ten wrong guesses with the look-alike from one address ...
    fail_ten_times(token_endpoint, app, spelling, "203.0.113.2")
    # ... leave the plain address's right password from there refused exactly when they are one account.
    after = signs_in(token_endpoint, app, PLAIN, "203.0.113.2")
    assert after == (429 if expected else 200)
    # And the other way round: guesses with the plain address count against the look-alike.
    fail_ten_times(token_endpoint, app, PLAIN, "203.0.113.3")
    assert signs_in(token_endpoint, app, spelling, "203.0.113.3") == (429 if expected else 401)


@pytest.mark.parametrize("name", list(SPELLINGS))
def test_spellings_share_the_account_ceiling_across_addresses(token_endpoint, app, owner, name):
    spelling = SPELLINGS[name]
    expected = name in SIGNS_IN.get(connection.vendor, SIGNS_IN["postgresql"])
    for n in range(100):  # one guess each from 100 addresses, alternating spellings
        username = spelling if n % 2 else PLAIN
        token_endpoint.post(password_grant(app, username, "wrong"), REMOTE_ADDR=f"198.18.0.{n + 1}")
    # 50 guesses per spelling: the ceiling (100) is reached only if the spellings share it.
    assert signs_in(token_endpoint, app, PLAIN, "203.0.113.50") == (429 if expected else 200)


@pytest.mark.parametrize("name", list(SPELLINGS))
def test_unknown_addresses_share_counters_exactly_as_existing_ones(token_endpoint, app, owner, name):
    """No oracle: an unknown address's spellings share a counter exactly when the lookup would equate them."""

    def answers(plain: str, spelling: str, ip: str) -> list[int]:
        for _ in range(10):
            token_endpoint.post(password_grant(app, plain, "wrong"), REMOTE_ADDR=ip)
        return [token_endpoint.post(password_grant(app, spelling, "wrong"), REMOTE_ADDR=ip).status_code]

    spelling = SPELLINGS[name]
    known = answers(PLAIN, spelling, "203.0.113.10")
    elsewhere = "@nobody.example"  # the same local parts at a domain no user has
    unknown = answers(PLAIN.split("@")[0] + elsewhere, spelling.split("@")[0] + elsewhere, "203.0.113.11")
    assert known == unknown
