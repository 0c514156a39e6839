"""The access matrix: every kind of token against every access level, on DRF and plain-Django views.

DRF: the example site's demo API (RequirePublicRead, RequireUser, RequireTrustedUser,
RequireIntegration). Plain Django: the same levels through the decorators. Both must give
the same status, JSON body and Bearer challenge.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from flex_auth_django.tokens import generate
from tests.factories import AccessTokenFactory, ApplicationFactory, RefreshTokenFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.urls_protected")]

LEVELS = ("public-read", "user", "trusted:user", "integ")

DRF = {
    "public-read": ("get", "/v1/api/marketplace/show"),
    "user": ("get", "/v1/api/current_user/show"),
    "trusted:user": ("post", "/v1/api/demo/privileged"),
    "integ": ("get", "/v1/integration_api/marketplace/show"),
}
PLAIN = {level: (method, f"/plain/{level}") for level, (method, _) in DRF.items()}


def _other_marketplace_app_user_token():
    first = AccessTokenFactory()
    return AccessTokenFactory(application=ApplicationFactory(), user=first.user)


# Each case builds the Authorization header value (None: no header).
TOKENS = {
    "none": lambda: None,
    "anonymous": lambda: AccessTokenFactory(anonymous=True).raw,
    "user": lambda: AccessTokenFactory().raw,
    "trusted_user": lambda: AccessTokenFactory(trusted=True).raw,
    "integration": lambda: AccessTokenFactory(integration=True).raw,
    # Another active Marketplace app of the same site: the API is the site's, not one app's.
    "other_app_user": lambda: _other_marketplace_app_user_token().raw,
    "expired_user": lambda: AccessTokenFactory(expired=True).raw,
    "expired_anonymous": lambda: AccessTokenFactory(anonymous=True, expired=True).raw,
    "expired_integration": lambda: AccessTokenFactory(integration=True, expired=True).raw,
    "revoked_user": lambda: AccessTokenFactory(revoked_now=True).raw,
    "revoked_trusted_user": lambda: AccessTokenFactory(trusted=True, revoked_now=True).raw,
    "revoked_integration": lambda: AccessTokenFactory(integration=True, revoked_now=True).raw,
    "inactive_app": lambda: AccessTokenFactory(application=ApplicationFactory(inactive=True)).raw,
    "inactive_integration_app": lambda: (
        AccessTokenFactory(integration=True, application=ApplicationFactory(integration=True, inactive=True)).raw
    ),
    "inactive_user": lambda: AccessTokenFactory(user=UserFactory(is_active=False)).raw,
    "unknown": generate.access_token,
    "refresh_token": lambda: RefreshTokenFactory().raw,
    "client_secret": lambda: ApplicationFactory().secret,
    "malformed": lambda: "not a token",
    "empty": lambda: "",
}

OK, MISSING, INVALID, SCOPE = 200, "missing_token", "invalid_token", "insufficient_scope"
DEAD = {level: INVALID for level in LEVELS}

# Rows: token kinds; columns: public-read, user, trusted:user, integ.
EXPECTED = {
    "none": dict.fromkeys(LEVELS, MISSING),
    "anonymous": {"public-read": OK, "user": SCOPE, "trusted:user": SCOPE, "integ": SCOPE},
    "user": {"public-read": OK, "user": OK, "trusted:user": SCOPE, "integ": SCOPE},
    "trusted_user": {"public-read": OK, "user": OK, "trusted:user": OK, "integ": SCOPE},
    "integration": {"public-read": SCOPE, "user": SCOPE, "trusted:user": SCOPE, "integ": OK},
    "other_app_user": {"public-read": OK, "user": OK, "trusted:user": SCOPE, "integ": SCOPE},
    **{
        case: DEAD
        for case in (
            "expired_user",
            "expired_anonymous",
            "expired_integration",
            "revoked_user",
            "revoked_trusted_user",
            "revoked_integration",
            "inactive_app",
            "inactive_integration_app",
            "inactive_user",
            "unknown",
            "refresh_token",
            "client_secret",
            "malformed",
            "empty",
        )
    },
}
assert set(EXPECTED) == set(TOKENS)

STATUS = {OK: 200, MISSING: 401, INVALID: 401, SCOPE: 403}


def call(client, endpoint, authorization, **headers):
    method, url = endpoint
    if authorization is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {authorization}"
    return getattr(client, method)(url, **headers)


def assert_answer(response, expected: int | str, level: str) -> None:
    assert response.status_code == STATUS[expected], response.content
    if expected == OK:
        assert "error" not in response.json()
        return
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == expected
    assert body["error_description"]
    challenge = response["WWW-Authenticate"]
    if expected == MISSING:
        # RFC 6750 section 3.1: no error code when the request carried no credentials.
        assert challenge == 'Bearer realm="flex-auth"'
    elif expected == INVALID:
        assert challenge.startswith('Bearer error="invalid_token"')
    else:
        assert challenge == f'Bearer error="insufficient_scope", scope="{level}"'


MATRIX = [(case, level) for case in TOKENS for level in LEVELS]


@pytest.mark.parametrize(("case", "level"), MATRIX)
def test_drf_matrix(client, case, level):
    response = call(client, DRF[level], TOKENS[case](), HTTP_ACCEPT="application/json")
    assert_answer(response, EXPECTED[case][level], level)


@pytest.mark.parametrize(("case", "level"), MATRIX)
def test_plain_django_matrix(client, case, level):
    response = call(client, PLAIN[level], TOKENS[case]())
    assert_answer(response, EXPECTED[case][level], level)


@pytest.mark.parametrize("case", ["none", "anonymous", "integration", "expired_user", "revoked_user", "malformed"])
@pytest.mark.parametrize("level", LEVELS)
def test_drf_and_plain_django_give_the_same_error(client, case, level):
    authorization = TOKENS[case]()
    drf = call(client, DRF[level], authorization, HTTP_ACCEPT="application/json")
    plain = call(client, PLAIN[level], authorization)
    assert drf.status_code == plain.status_code
    if drf.status_code != 200:
        assert drf.json() == plain.json()
        assert drf["WWW-Authenticate"] == plain["WWW-Authenticate"]


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
@pytest.mark.parametrize("endpoint", [DRF["user"], PLAIN["user"]], ids=["drf", "plain"])
def test_the_bearer_scheme_is_case_insensitive(client, scheme, endpoint):
    token = AccessTokenFactory()
    response = getattr(client, endpoint[0])(endpoint[1], HTTP_AUTHORIZATION=f"{scheme} {token.raw}")
    assert response.status_code == 200


@pytest.mark.parametrize("endpoint", [DRF["public-read"], PLAIN["public-read"]], ids=["drf", "plain"])
def test_another_scheme_counts_as_no_token(client, endpoint):
    response = client.get(endpoint[1], HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert response.status_code == 401
    assert response.json()["error"] == MISSING


@pytest.mark.parametrize("case", ["anonymous", "user", "trusted_user", "integration", "unknown", "revoked_user"])
@pytest.mark.parametrize("impl", ["drf", "plain"])
def test_a_request_costs_at_most_one_query(client, django_assert_max_num_queries, case, impl):
    authorization = TOKENS[case]()
    endpoints = DRF if impl == "drf" else PLAIN
    for level in LEVELS:
        with django_assert_max_num_queries(1):
            call(client, endpoints[level], authorization)


def test_no_token_costs_no_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get(DRF["user"][1]).status_code == 401
        assert client.get(PLAIN["user"][1]).status_code == 401


def test_a_revoked_token_stops_working_on_the_next_request(client):
    token = AccessTokenFactory()
    assert call(client, DRF["user"], token.raw).status_code == 200
    token.revoked = timezone.now()
    token.save(update_fields=["revoked"])
    response = call(client, DRF["user"], token.raw)
    assert response.status_code == 401
    assert response.json()["error"] == INVALID


def test_a_token_stops_working_once_it_expires(client):
    token = AccessTokenFactory()
    assert call(client, PLAIN["user"], token.raw).status_code == 200
    token.expires = timezone.now() - timedelta(microseconds=1)
    token.save(update_fields=["expires"])
    assert call(client, PLAIN["user"], token.raw).status_code == 401


def test_deactivating_the_user_stops_their_tokens(client):
    token = AccessTokenFactory(trusted=True)
    assert call(client, DRF["trusted:user"], token.raw).status_code == 200
    token.user.is_active = False
    token.user.save(update_fields=["is_active"])
    assert call(client, DRF["trusted:user"], token.raw).status_code == 401
