"""Equal work for "no such account" and "wrong password" (and clients), counted rather than timed.

The real PBKDF2 hasher setting is used, with a spy on its key-derivation function that
records the iterations asked for (and runs just one, so the suite stays fast). The
number of iterations a request asks for *is* its hashing time, without a stopwatch.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import hashers

from flex_auth_django.tokens import digests
from tests.factories import PASSWORD, ApplicationFactory, UserFactory
from tests.helpers import password_grant

pytestmark = pytest.mark.django_db

PBKDF2 = "django.contrib.auth.hashers.PBKDF2PasswordHasher"
BACKENDS = {
    "ModelBackend": ["django.contrib.auth.backends.ModelBackend"],
    "EmailBackend": ["flex_auth_django.backends.EmailBackend"],
    "both": ["flex_auth_django.backends.EmailBackend", "django.contrib.auth.backends.ModelBackend"],
}


@pytest.fixture
def pbkdf2_work(settings, monkeypatch):
    """Iterations of PBKDF2 requested since the last reset()."""
    settings.PASSWORD_HASHERS = [PBKDF2]
    real = hashers.pbkdf2

    class Work(list):
        def reset(self) -> None:
            self.clear()

        @property
        def iterations(self) -> int:
            return sum(self)

    work = Work()

    def spy(password, salt, iterations, digest=None, dklen=None):
        work.append(iterations)
        return real(password, salt, 1, digest=digest, dklen=dklen)

    monkeypatch.setattr(hashers, "pbkdf2", spy)
    return work


@pytest.fixture(params=list(BACKENDS))
def backend(request, settings):
    settings.AUTHENTICATION_BACKENDS = BACKENDS[request.param]
    return request.param


def attempt(token_endpoint, app, username, password) -> int:
    return token_endpoint.post(password_grant(app, username, password)).status_code


def test_unknown_user_wrong_password_and_inactive_user_cost_one_full_hash_each(
    token_endpoint, marketplace_app, pbkdf2_work, backend
):
    active = UserFactory()
    inactive = UserFactory(is_active=False)
    unusable = UserFactory()
    unusable.set_unusable_password()
    unusable.save()
    per_backend = len(BACKENDS[backend])
    full = hashers.PBKDF2PasswordHasher.iterations

    cases = {
        "wrong password": (active.email, "wrong"),
        "unknown user": ("nobody@example.com", "wrong"),
        "inactive, right password": (inactive.email, PASSWORD),
        "inactive, wrong password": (inactive.email, "wrong"),
        "unusable password": (unusable.email, "wrong"),
        "right password": (active.email, PASSWORD),
    }
    work = {}
    for name, (username, password) in cases.items():
        pbkdf2_work.reset()
        status = attempt(token_endpoint, marketplace_app, username, password)
        assert status == (200 if name == "right password" else 401), name
        work[name] = pbkdf2_work.iterations
    right = work.pop("right password")
    assert set(work.values()) == {per_backend * full}, work
    # Success stops at the first backend that accepts: it can only be cheaper, and the answer says so anyway.
    assert right == full


def test_duplicate_emails_cost_the_same_with_the_email_backend(token_endpoint, marketplace_app, pbkdf2_work, settings):
    settings.AUTHENTICATION_BACKENDS = BACKENDS["EmailBackend"]
    UserFactory(email="twin@example.com", username="twin1")
    UserFactory(email="TWIN@example.com", username="twin2")
    single = UserFactory()
    pbkdf2_work.reset()
    assert attempt(token_endpoint, marketplace_app, "twin@example.com", PASSWORD) == 401
    twins = pbkdf2_work.iterations
    pbkdf2_work.reset()
    attempt(token_endpoint, marketplace_app, single.email, "wrong")
    assert twins == pbkdf2_work.iterations == hashers.PBKDF2PasswordHasher.iterations


def test_a_throttled_attempt_costs_no_hash(token_endpoint, marketplace_app, pbkdf2_work, settings):
    settings.FLEX_AUTH = {**settings.FLEX_AUTH, "THROTTLE_USERNAME": (1, 900)}
    attempt(token_endpoint, marketplace_app, "nobody@example.com", "wrong")
    pbkdf2_work.reset()
    assert attempt(token_endpoint, marketplace_app, "nobody@example.com", "wrong") == 429
    assert pbkdf2_work.iterations == 0


@pytest.fixture
def macs(monkeypatch):
    """HMAC computations of client secrets (digests._mac), the work a secret check does."""
    calls = []
    real = digests._mac

    def spy(key, value):
        calls.append(value)
        return real(key, value)

    monkeypatch.setattr(digests, "_mac", spy)
    return calls


def test_unknown_client_costs_the_same_as_a_wrong_secret(token_endpoint, macs):
    integration = ApplicationFactory(integration=True)
    inactive = ApplicationFactory(integration=True, inactive=True)
    unknown = "0f8fad5b-d9cb-469f-a165-70867728950e"
    cases = {
        "wrong secret": (str(integration.client_id), "flxs_wrong"),
        "unknown client with a secret": (unknown, "flxs_wrong"),
        "malformed client id": ("not-a-client", "flxs_wrong"),
        "inactive, wrong secret": (str(inactive.client_id), "flxs_wrong"),
        "inactive, right secret": (str(inactive.client_id), inactive.secret),
        "unknown client, no secret": (unknown, None),
    }
    work = {}
    for name, (client_id, secret) in cases.items():
        macs.clear()
        body = {"client_id": client_id, "grant_type": "client_credentials"}
        if secret is not None:
            body["client_secret"] = secret
        response = token_endpoint.post(body)
        assert response.status_code == 401 and response.json()["error"] == "invalid_client", name
        work[name] = len(macs)
    assert set(work.values()) == {1}, work


def test_digest_verify_does_the_same_work_for_any_stored_value(macs):
    real = digests.make("flxs_secret")
    macs.clear()
    for stored in (real, "", "hmac-sha256$unknown-key$xyz", "md5$whatever", "garbage"):
        assert digests.verify("flxs_wrong", stored) is False
    assert len(macs) == 5
