"""Throttling as a client sees it (spec: Throttling), on local memory and on the real Redis."""

from __future__ import annotations

import uuid

import pytest

from flex_auth_django.accounts import passwords
from flex_auth_django.settings import flex_settings
from flex_auth_django.throttling import guards
from flex_auth_django.throttling.stores import store
from flex_auth_django.throttling.windows import counter, now
from flex_auth_django.tokens import digests
from tests.factories import PASSWORD, ApplicationFactory, UserFactory
from tests.helpers import INTROSPECT_URL, Endpoint, basic, exchange, password_grant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("throttle_cache", "clock")]


@pytest.fixture
def hashes(monkeypatch):
    """Counts calls into Django's authenticate(), where the password hash runs."""
    calls = []
    real = passwords.authenticate

    def spy(*args, **kwargs):
        calls.append(kwargs.get("username"))
        return real(*args, **kwargs)

    monkeypatch.setattr(passwords, "authenticate", spy)
    return calls


@pytest.fixture
def digest_checks(monkeypatch):
    """Counts client-secret verifications."""
    calls = []
    real = digests.verify

    def spy(value, stored):
        calls.append(stored)
        return real(value, stored)

    monkeypatch.setattr(digests, "verify", spy)
    return calls


def assert_throttled(response):
    assert response.status_code == 429
    assert response.json()["error"] == "too_many_requests"
    assert int(response["Retry-After"]) >= 1
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"] == "application/json"


def test_defaults_are_the_specs():
    assert flex_settings.defaults["THROTTLE_USERNAME"] == (10, 15 * 60)  # per (account, client IP)
    assert flex_settings.defaults["THROTTLE_ACCOUNT"] == (100, 15 * 60)
    assert flex_settings.defaults["THROTTLE_IP"] == (50, 15 * 60)
    assert flex_settings.defaults["THROTTLE_CLIENT_SECRET"] == (100, 15 * 60)  # per client IP
    assert flex_settings.defaults["THROTTLE_CACHE_FAILURE"] == "closed"


def address(n: int) -> str:
    return f"198.18.{n // 250}.{n % 250 + 1}"


class TestPasswordByAccountAndIp:
    def test_ten_failures_then_429_before_any_hash(self, token_endpoint, marketplace_app, user, hashes):
        for _ in range(10):
            assert token_endpoint.post(password_grant(marketplace_app, user.email, "wrong")).status_code == 401
        assert len(hashes) == 10
        response = token_endpoint.post(password_grant(marketplace_app, user.email, "wrong"))
        assert_throttled(response)
        assert int(response["Retry-After"]) == 15 * 60 + 1
        # The right password is refused too: the counter is checked before it is verified.
        assert_throttled(token_endpoint.post(password_grant(marketplace_app, user.email, PASSWORD)))
        assert len(hashes) == 10

    def test_the_username_counter_ignores_case(self, token_endpoint, marketplace_app, user):
        for n in range(10):
            token_endpoint.post(password_grant(marketplace_app, user.email.upper() if n % 2 else user.email, "wrong"))
        assert_throttled(token_endpoint.post(password_grant(marketplace_app, user.email.title(), "wrong")))

    def test_existing_and_unknown_users_get_identical_answers(self, token_endpoint, marketplace_app, user):
        def run(username):
            answers = []
            for _ in range(11):
                r = token_endpoint.post(password_grant(marketplace_app, username, "wrong"))
                answers.append((r.status_code, r.content, r.get("Retry-After"), r.get("WWW-Authenticate")))
            return answers

        known, unknown = run(user.email), run("nobody@example.com")
        assert known == unknown
        assert known[-1][0] == 429 and known[0][0] == 401

    def test_a_success_resets_the_username_counter(self, token_endpoint, marketplace_app, user):
        for _ in range(9):
            token_endpoint.post(password_grant(marketplace_app, user.email, "wrong"))
        assert token_endpoint.post(password_grant(marketplace_app, user.email, PASSWORD)).status_code == 200
        for _ in range(10):
            assert token_endpoint.post(password_grant(marketplace_app, user.email, "wrong")).status_code == 401
        assert_throttled(token_endpoint.post(password_grant(marketplace_app, user.email, "wrong")))

    def test_the_window_passes(self, token_endpoint, marketplace_app, user, clock):
        for _ in range(10):
            token_endpoint.post(password_grant(marketplace_app, user.email, "wrong"))
        response = token_endpoint.post(password_grant(marketplace_app, user.email, PASSWORD))
        assert_throttled(response)
        clock.advance(int(response["Retry-After"]))
        assert token_endpoint.post(password_grant(marketplace_app, user.email, PASSWORD)).status_code == 200

    def test_another_username_is_unaffected(self, token_endpoint, marketplace_app, user):
        other = UserFactory()
        for _ in range(10):
            token_endpoint.post(password_grant(marketplace_app, user.email, "wrong"))
        assert token_endpoint.post(password_grant(marketplace_app, other.email, PASSWORD)).status_code == 200

    def test_failures_from_ten_addresses_do_not_lock_the_user_out(self, token_endpoint, marketplace_app, user):
        """Issue 15 item 2: guesses from elsewhere must not refuse the user's right password."""
        for n in range(10):
            wrong = token_endpoint.post(password_grant(marketplace_app, user.email, "wrong"), REMOTE_ADDR=address(n))
            assert wrong.status_code == 401
        fresh = token_endpoint.post(password_grant(marketplace_app, user.email, PASSWORD), REMOTE_ADDR="203.0.113.77")
        assert fresh.status_code == 200
        # Each of those addresses has nine guesses left on this account, not zero.
        again = token_endpoint.post(password_grant(marketplace_app, user.email, PASSWORD), REMOTE_ADDR=address(0))
        assert again.status_code == 200

    def test_one_address_over_its_limit_blocks_only_itself(self, token_endpoint, marketplace_app, user):
        for _ in range(10):
            token_endpoint.post(password_grant(marketplace_app, user.email, "wrong"), REMOTE_ADDR="203.0.113.1")
        assert_throttled(
            token_endpoint.post(password_grant(marketplace_app, user.email, PASSWORD), REMOTE_ADDR="203.0.113.1")
        )
        ok = token_endpoint.post(password_grant(marketplace_app, user.email, PASSWORD), REMOTE_ADDR="203.0.113.2")
        assert ok.status_code == 200

    def test_the_account_ceiling_refuses_from_every_address(self, token_endpoint, marketplace_app, user, hashes):
        for n in range(100):  # one guess from each of 100 addresses: no address is near its own limit
            assert (
                token_endpoint.post(
                    password_grant(marketplace_app, user.email, "wrong"), REMOTE_ADDR=address(n)
                ).status_code
                == 401
            )
        response = token_endpoint.post(
            password_grant(marketplace_app, user.email, PASSWORD), REMOTE_ADDR="203.0.113.99"
        )
        assert_throttled(response)
        assert len(hashes) == 100
        # Another account from that same fresh address is unaffected.
        other = UserFactory()
        assert (
            token_endpoint.post(
                password_grant(marketplace_app, other.email, PASSWORD), REMOTE_ADDR="203.0.113.99"
            ).status_code
            == 200
        )

    def test_a_success_does_not_reset_the_account_ceiling(self, token_endpoint, marketplace_app, user):
        for n in range(99):
            token_endpoint.post(password_grant(marketplace_app, user.email, "wrong"), REMOTE_ADDR=address(n))
        assert (
            token_endpoint.post(
                password_grant(marketplace_app, user.email, PASSWORD), REMOTE_ADDR="203.0.113.5"
            ).status_code
            == 200
        )
        token_endpoint.post(password_grant(marketplace_app, user.email, "wrong"), REMOTE_ADDR=address(200))
        assert_throttled(
            token_endpoint.post(password_grant(marketplace_app, user.email, PASSWORD), REMOTE_ADDR="203.0.113.5")
        )

    def test_unknown_users_hit_the_same_ceiling(self, token_endpoint, marketplace_app, user):
        def run(username):
            statuses = [
                token_endpoint.post(
                    password_grant(marketplace_app, username, "wrong"), REMOTE_ADDR=address(n)
                ).status_code
                for n in range(101)
            ]
            return statuses

        assert run(user.email) == run("nobody@example.com") == [401] * 100 + [429]


class TestPasswordByClientIp:
    def test_fifty_failures_from_one_address_across_usernames(self, token_endpoint, marketplace_app, user, hashes):
        for n in range(50):
            response = token_endpoint.post(password_grant(marketplace_app, f"guess{n}@example.com", "wrong"))
            assert response.status_code == 401
        response = token_endpoint.post(password_grant(marketplace_app, user.email, PASSWORD))
        assert_throttled(response)
        assert len(hashes) == 50
        # Another address signs in.
        ok = token_endpoint.post(password_grant(marketplace_app, user.email, PASSWORD), REMOTE_ADDR="198.51.100.9")
        assert ok.status_code == 200

    def test_x_forwarded_for_is_ignored_without_trusted_proxies(self, token_endpoint, marketplace_app):
        for n in range(50):
            token_endpoint.post(
                password_grant(marketplace_app, f"guess{n}@example.com", "wrong"), HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
            )
        response = token_endpoint.post(
            password_grant(marketplace_app, "guess-last@example.com", "wrong"), HTTP_X_FORWARDED_FOR="203.0.113.250"
        )
        assert_throttled(response)

    def test_behind_one_proxy_the_last_forwarded_address_counts(self, token_endpoint, marketplace_app, settings):
        settings.FLEX_AUTH = {**settings.FLEX_AUTH, "NUM_PROXIES": 1}
        for n in range(50):
            # The client forges the leftmost entry every time; the proxy appends the real address.
            token_endpoint.post(
                password_grant(marketplace_app, f"guess{n}@example.com", "wrong"),
                HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 203.0.113.5",
                REMOTE_ADDR="10.0.0.1",
            )
        blocked = token_endpoint.post(
            password_grant(marketplace_app, "x@example.com", "wrong"),
            HTTP_X_FORWARDED_FOR="203.0.113.5",
            REMOTE_ADDR="10.0.0.1",
        )
        assert_throttled(blocked)
        other = token_endpoint.post(
            password_grant(marketplace_app, "x@example.com", "wrong"),
            HTTP_X_FORWARDED_FOR="203.0.113.6",
            REMOTE_ADDR="10.0.0.1",
        )
        assert other.status_code == 401


class TestClientSecret:
    """Failures count per client IP (100 per 15 minutes), never per client ID (spec: Throttling)."""

    def test_wrong_secrets_from_many_addresses_never_lock_an_app_out(
        self, client, token_endpoint, marketplace_app, user
    ):
        """Issue 15 item 1: a Marketplace client ID is public; wrong secrets for it from elsewhere change nothing."""
        client_id = str(marketplace_app.client_id)
        for n in range(150):  # past the old per-ID limit (20) and the new per-IP one (100), spread over addresses
            body = {"client_id": client_id, "grant_type": "token_exchange", "client_secret": "flxs_wrong"}
            assert token_endpoint.post({**body, "subject_token": "x"}, REMOTE_ADDR=address(n)).status_code == 401
            introspect = Endpoint(client, INTROSPECT_URL)
            wrong = {"token": "x", "client_id": client_id, "client_secret": "flxs_wrong"}
            assert introspect.post(wrong, REMOTE_ADDR=address(n)).status_code == 401
        server = "192.0.2.200"  # the app's own server
        user_token = login_token(token_endpoint, marketplace_app, user, server)
        exchanged = token_endpoint.post(exchange(marketplace_app, user_token), REMOTE_ADDR=server)
        assert exchanged.status_code == 200
        right = {"token": user_token, "client_id": client_id, "client_secret": marketplace_app.secret}
        introspected = Endpoint(client, INTROSPECT_URL).post(right, REMOTE_ADDR=server)
        assert introspected.status_code == 200 and introspected.json()["active"] is True

    def test_a_hundred_wrong_secrets_then_429_without_verifying(self, token_endpoint, integration_app, digest_checks):
        body = {"client_id": str(integration_app.client_id), "grant_type": "client_credentials"}
        for _ in range(100):
            assert token_endpoint.post({**body, "client_secret": "flxs_wrong"}).status_code == 401
        checked = len(digest_checks)
        response = token_endpoint.post({**body, "client_secret": integration_app.secret})
        assert_throttled(response)
        assert int(response["Retry-After"]) == 15 * 60 + 1
        assert len(digest_checks) == checked

    def test_over_the_limit_an_address_is_refused_for_any_client(self, token_endpoint, integration_app):
        for _ in range(100):  # guesses at unknown clients
            body = {"client_id": str(uuid.uuid4()), "grant_type": "client_credentials", "client_secret": "flxs_wrong"}
            token_endpoint.post(body)
        right = {"client_id": str(integration_app.client_id), "grant_type": "client_credentials"}
        assert_throttled(token_endpoint.post({**right, "client_secret": integration_app.secret}))
        # Another address, same client and secret: fine. The app is not locked out, the address is.
        elsewhere = token_endpoint.post({**right, "client_secret": integration_app.secret}, REMOTE_ADDR="192.0.2.9")
        assert elsewhere.status_code == 200

    def test_unknown_clients_count_the_same(self, token_endpoint):
        body = {"client_id": "0f8fad5b-d9cb-469f-a165-70867728950e", "grant_type": "client_credentials"}
        answers = [token_endpoint.post({**body, "client_secret": "flxs_wrong"}).status_code for _ in range(101)]
        assert answers == [401] * 100 + [429]

    def test_ipv6_addresses_count_per_64(self, token_endpoint, integration_app):
        body = {"client_id": str(integration_app.client_id), "grant_type": "client_credentials", "client_secret": "no"}
        for n in range(100):
            token_endpoint.post(body, REMOTE_ADDR=f"2001:db8:5:6::{n + 1:x}")
        assert_throttled(token_endpoint.post(body, REMOTE_ADDR="2001:db8:5:6:ffff::1"))
        assert token_endpoint.post(body, REMOTE_ADDR="2001:db8:5:7::1").status_code == 401

    def test_basic_and_other_endpoints_share_the_counter(self, client, token_endpoint, integration_app):
        client_id = str(integration_app.client_id)
        for _ in range(50):
            token_endpoint.post({"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic(client_id, "flxs_no"))
        introspect = Endpoint(client, INTROSPECT_URL)
        for _ in range(50):
            assert introspect.post({"token": "x", "client_id": client_id, "client_secret": "no"}).status_code == 401
        response = introspect.post({"token": "x"}, HTTP_AUTHORIZATION=basic(client_id, integration_app.secret))
        assert_throttled(response)

    def test_a_right_secret_is_not_counted(self, token_endpoint, integration_app):
        body = {"client_id": str(integration_app.client_id), "grant_type": "client_credentials"}
        for _ in range(99):
            token_endpoint.post({**body, "client_secret": "flxs_wrong"})
        for _ in range(5):
            assert token_endpoint.post({**body, "client_secret": integration_app.secret}).status_code == 200
        assert token_endpoint.post({**body, "client_secret": "flxs_wrong"}).status_code == 401
        assert_throttled(token_endpoint.post({**body, "client_secret": "flxs_wrong"}))

    def test_an_empty_counter_is_trusted_for_the_interval_then_read_again(
        self, token_endpoint, integration_app, monkeypatch
    ):
        """Failures made in another process (written straight to the shared counters here) reach
        this one within STATE_REFRESH_INTERVAL; a right secret from a clean IP meanwhile costs no read."""
        body = {"client_id": str(integration_app.client_id), "grant_type": "client_credentials"}
        right = {**body, "client_secret": integration_app.secret}
        clock = [1000.0]
        monkeypatch.setattr(guards._clean_clients, "clock", lambda: clock[0])
        assert token_endpoint.post(right).status_code == 200  # read empty: trusted from now
        c = counter("client", "127.0.0.1", "THROTTLE_CLIENT_SECRET")
        store().incr_many([(c.keys(now())[0], 100, c.timeout)])  # another process's 100 failures
        clock[0] += 0.9
        assert token_endpoint.post(right).status_code == 200  # within the interval: not yet seen
        clock[0] += 0.2
        assert_throttled(token_endpoint.post(right))  # past it: read, and over the limit

    def test_a_failure_here_ends_the_trust_at_once(self, token_endpoint, integration_app):
        body = {"client_id": str(integration_app.client_id), "grant_type": "client_credentials"}
        right = {**body, "client_secret": integration_app.secret}
        assert token_endpoint.post(right).status_code == 200
        c = counter("client", "127.0.0.1", "THROTTLE_CLIENT_SECRET")
        store().incr_many([(c.keys(now())[0], 99, c.timeout)])  # 99 from elsewhere, not seen yet
        assert token_endpoint.post({**body, "client_secret": "flxs_wrong"}).status_code == 401  # the 100th
        assert_throttled(token_endpoint.post(right))  # this process reads the counter again at once

    def test_with_no_room_for_clean_ips_every_request_reads_the_counter(
        self, token_endpoint, integration_app, settings
    ):
        settings.FLEX_AUTH = {**settings.FLEX_AUTH, "CLIENT_SECRET_CLEAN_IPS_CACHE_SIZE": 0}
        body = {"client_id": str(integration_app.client_id), "grant_type": "client_credentials"}
        right = {**body, "client_secret": integration_app.secret}
        assert token_endpoint.post(right).status_code == 200
        c = counter("client", "127.0.0.1", "THROTTLE_CLIENT_SECRET")
        store().incr_many([(c.keys(now())[0], 100, c.timeout)])
        assert_throttled(token_endpoint.post(right))

    def test_clean_ips_held_stay_under_their_bound(self, token_endpoint, integration_app, settings):
        settings.FLEX_AUTH = {**settings.FLEX_AUTH, "CLIENT_SECRET_CLEAN_IPS_CACHE_SIZE": 5}
        right = {
            "client_id": str(integration_app.client_id),
            "grant_type": "client_credentials",
            "client_secret": integration_app.secret,
        }
        for n in range(20):
            assert token_endpoint.post(right, REMOTE_ADDR=address(n)).status_code == 200
        assert len(guards._clean_clients.until) == 5

    def test_requests_without_a_secret_are_not_throttled_by_it(self, token_endpoint):
        app = ApplicationFactory()
        body = {"client_id": str(app.client_id), "grant_type": "client_credentials"}
        for _ in range(100):
            token_endpoint.post({**body, "client_secret": "flxs_wrong"})
        # An anonymous token for the browser SDK needs no secret and is still issued.
        assert token_endpoint.post(body).status_code == 200


def login_token(token_endpoint, app, user, ip: str) -> str:
    response = token_endpoint.post(password_grant(app, user.email, PASSWORD), REMOTE_ADDR=ip)
    assert response.status_code == 200
    return response.json()["access_token"]
