"""POST auth_with_idp as sdk.loginWithIdp() calls it, with OpenID Connect and Google ID tokens.

Every verification rule in turn, every algorithm trick, malformed tokens, every matching
case, client authentication, throttling and the provider being down, over HTTP against the
local provider in tests/idp_provider.py.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from jwt.algorithms import ECAlgorithm

from flex_auth_django import signals
from flex_auth_django.models import IdentityLink, IdentityProvider, IdpKind, VerifiedEmail
from tests.factories import ApplicationFactory, UserFactory
from tests.helpers import Endpoint, b64url
from tests.idp_fixtures import IDP_URL, idp_params
from tests.idp_provider import CLIENT_ID, new_key, public_jwk

pytestmark = pytest.mark.django_db

REFUSED = {"error": "invalid_grant", "error_description": "The identity provider token was not accepted."}


@pytest.fixture
def idp(client):
    return Endpoint(client, IDP_URL)


def unsigned(header: dict, claims: dict, signature: bytes = b"") -> str:
    return f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}.{b64url(signature)}"


def auth_with_idp(idp, app, provider, token, **extra):
    return idp.post(idp_params(app, provider, token, **extra))


def assert_refused(response):
    assert response.status_code == 401, response.content
    assert response.json() == REFUSED
    assert response["Cache-Control"] == "no-store"


# -- success and the response ---------------------------------------------------------------
def test_a_verified_email_on_both_sides_links_the_account_and_signs_in(idp, app, oidc_idp, local_idp, verified_user):
    user = verified_user()
    token = local_idp.mint(sub="acct-1", email=user.email)
    response = auth_with_idp(idp, app, oidc_idp, token)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "bearer" and body["scope"] == "user" and body["expires_in"] == 600
    assert body["refresh_token"] and body["access_token"]
    assert response["Cache-Control"] == "no-store" and response["Pragma"] == "no-cache"
    link = IdentityLink.objects.get()
    assert (link.provider, link.subject, link.user) == (oidc_idp, "acct-1", user)


def test_a_linked_account_signs_in_whatever_its_email_says_now(idp, app, oidc_idp, local_idp, verified_user):
    user = verified_user()
    assert auth_with_idp(idp, app, oidc_idp, local_idp.mint(sub="acct-2", email=user.email)).status_code == 200
    # The IdP account's email changed (and is not verified any more): the link still holds.
    again = auth_with_idp(
        idp, app, oidc_idp, local_idp.mint(sub="acct-2", email="new@elsewhere.test", email_verified=False)
    )
    assert again.status_code == 200, again.content
    assert IdentityLink.objects.get().user == user


def test_the_tokens_are_a_user_session_that_refreshes_and_is_introspected_as_the_user(
    idp, app, oidc_idp, local_idp, verified_user, token_endpoint
):
    user = verified_user()
    body = auth_with_idp(idp, app, oidc_idp, local_idp.mint(email=user.email)).json()
    refreshed = token_endpoint.post(
        {"client_id": str(app.client_id), "grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.content
    assert refreshed.json()["scope"] == "user" and refreshed.json()["refresh_token"] != body["refresh_token"]
    shown = token_endpoint.client.get(
        "/v1/api/current_user/show", HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access_token']}"
    )
    assert shown.status_code == 200 and shown.json()["data"]["attributes"]["email"] == user.email


def test_served_under_both_mounts(client, app, oidc_idp, local_idp, verified_user):
    user = verified_user()
    token = local_idp.mint(email=user.email)
    for url in ("/oauth/auth_with_idp", "/v1/auth/auth_with_idp/"):
        assert Endpoint(client, url).post(idp_params(app, oidc_idp, token)).status_code == 200


def test_a_trusted_client_id_may_be_the_audience_and_the_idp_client_id(idp, app, oidc_idp, local_idp, verified_user):
    oidc_idp.trusted_client_ids = ["mobile-client"]
    oidc_idp.save()
    user = verified_user()
    token = local_idp.mint(email=user.email, aud="mobile-client")
    assert auth_with_idp(idp, app, oidc_idp, token, idp_client_id="mobile-client").status_code == 200


@pytest.mark.parametrize("value", [True, "true", "TRUE"])
def test_email_verified_may_be_the_string_true(idp, app, oidc_idp, local_idp, verified_user, value):
    user = verified_user()
    assert auth_with_idp(idp, app, oidc_idp, local_idp.mint(email=user.email, email_verified=value)).status_code == 200


# -- matching refusals ---------------------------------------------------------------------
@pytest.mark.parametrize("email_verified", [False, "false", None, 1, "yes"])
def test_an_unverified_email_in_the_token_never_links(idp, app, oidc_idp, local_idp, verified_user, email_verified):
    user = verified_user()
    assert_refused(auth_with_idp(idp, app, oidc_idp, local_idp.mint(email=user.email, email_verified=email_verified)))
    assert not IdentityLink.objects.exists()


def test_a_user_whose_email_nobody_verified_is_never_linked(idp, app, oidc_idp, local_idp):
    user = UserFactory()
    assert_refused(auth_with_idp(idp, app, oidc_idp, local_idp.mint(email=user.email)))
    assert not IdentityLink.objects.exists()


def test_a_verification_of_an_old_address_does_not_count(idp, app, oidc_idp, local_idp, verified_user):
    user = verified_user()
    user.email = "changed@example.com"
    user.save()
    assert VerifiedEmail.objects.filter(user=user).exists()
    assert_refused(auth_with_idp(idp, app, oidc_idp, local_idp.mint(email="changed@example.com")))


def test_no_user_with_that_email(idp, app, oidc_idp, local_idp):
    assert_refused(auth_with_idp(idp, app, oidc_idp, local_idp.mint(email="nobody@example.com")))


def test_a_token_without_email_and_no_link(idp, app, oidc_idp, local_idp, verified_user):
    verified_user()
    assert_refused(auth_with_idp(idp, app, oidc_idp, local_idp.mint(email=None)))


def test_case_variants_of_one_email_match_one_user_but_two_users_match_nobody(
    idp, app, oidc_idp, local_idp, verified_user
):
    user = verified_user(email="Mixed.Case@Example.com")
    assert auth_with_idp(idp, app, oidc_idp, local_idp.mint(sub="a", email="mixed.case@example.com")).status_code == 200
    IdentityLink.objects.all().delete()
    verified_user(email="MIXED.case@example.com")
    assert_refused(auth_with_idp(idp, app, oidc_idp, local_idp.mint(sub="a", email=user.email)))


def test_inactive_users_are_refused_even_when_linked(idp, app, oidc_idp, local_idp, verified_user):
    user = verified_user()
    assert auth_with_idp(idp, app, oidc_idp, local_idp.mint(sub="acct-3", email=user.email)).status_code == 200
    user.is_active = False
    user.save()
    assert_refused(auth_with_idp(idp, app, oidc_idp, local_idp.mint(sub="acct-3", email=user.email)))


def test_a_custom_verified_email_hook_decides(idp, app, oidc_idp, local_idp):
    user = UserFactory(email="hooked@example.com")
    with override_settings(FLEX_AUTH={"VERIFIED_EMAIL_CHECK": "tests.idp.test_auth_with_idp.verified_if_hooked"}):
        assert auth_with_idp(idp, app, oidc_idp, local_idp.mint(email=user.email)).status_code == 200


def verified_if_hooked(user) -> bool:
    return user.email.startswith("hooked@")


# -- the provider and client ------------------------------------------------------------------
def test_unknown_inactive_and_foreign_client_ids_get_the_same_refusal(idp, app, oidc_idp, local_idp, verified_user):
    user = verified_user()
    token = local_idp.mint(email=user.email)
    assert_refused(auth_with_idp(idp, app, oidc_idp, token, idp_id="no-such-idp"))
    assert_refused(auth_with_idp(idp, app, oidc_idp, token, idp_client_id="someone-else"))
    IdentityProvider.objects.filter(pk=oidc_idp.pk).update(is_active=False)
    assert_refused(auth_with_idp(idp, app, oidc_idp, token))


@pytest.mark.parametrize("missing", ["idp_id", "idp_client_id", "idp_token"])
def test_missing_parameters_are_invalid_request(idp, app, oidc_idp, local_idp, missing):
    params = idp_params(app, oidc_idp, local_idp.mint())
    del params[missing]
    response = idp.post(params)
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_request", "error_description": f"Missing {missing}."}


def test_the_client_secret_is_required_and_checked(idp, app, oidc_idp, local_idp, verified_user):
    user = verified_user()
    token = local_idp.mint(email=user.email)
    missing = idp.post(idp_params(app, oidc_idp, token, client_secret=None))
    assert missing.status_code == 401 and missing.json()["error"] == "invalid_client"
    wrong = idp.post(idp_params(app, oidc_idp, token, client_secret=app.secret + "x"))
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    integration = ApplicationFactory(integration=True)
    refused = idp.post(idp_params(integration, oidc_idp, token))
    assert refused.status_code == 400 and refused.json()["error"] == "unauthorized_client"
    assert not IdentityLink.objects.exists()  # nothing was verified or linked for a refused client


def test_http_basic_client_authentication_works_too(idp, app, oidc_idp, local_idp, verified_user):
    from tests.helpers import basic

    user = verified_user()
    params = idp_params(app, oidc_idp, local_idp.mint(email=user.email))
    del params["client_id"], params["client_secret"]
    assert idp.post(params, HTTP_AUTHORIZATION=basic(app.client_id, app.secret)).status_code == 200


def test_get_is_405_and_json_is_415ish_invalid_request(client, idp):
    response = client.get(IDP_URL)
    assert response.status_code == 405 and response.json()["error"] == "invalid_request"
    wrong_type = idp.post(body="{}", content_type="application/json")
    assert wrong_type.status_code == 400 and wrong_type.json()["error"] == "invalid_request"


# -- verification: each claim wrong in turn ---------------------------------------------------
def _now():
    return int(time.time())


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"iss": "http://127.0.0.1:1"}, id="iss-other"),
        pytest.param({"iss": "ISSUER/extra"}, id="iss-longer"),
        pytest.param({"iss": "ISSUER"[:-1]}, id="iss-prefix"),
        pytest.param({"iss": None}, id="iss-missing"),
        pytest.param({"aud": "another-client"}, id="aud-other"),
        pytest.param({"aud": None}, id="aud-missing"),
        pytest.param({"aud": [CLIENT_ID, "another"]}, id="aud-several-no-azp"),
        pytest.param({"aud": [CLIENT_ID, "another"], "azp": "another"}, id="aud-several-foreign-azp"),
        pytest.param({"aud": []}, id="aud-empty"),
        pytest.param({"aud": 42}, id="aud-number"),
        pytest.param({"exp": "PAST"}, id="exp-past"),
        pytest.param({"exp": None}, id="exp-missing"),
        pytest.param({"iat": "OLD"}, id="iat-too-old"),
        pytest.param({"iat": "FUTURE"}, id="iat-future"),
        pytest.param({"iat": None}, id="iat-missing"),
        pytest.param({"nbf": "FUTURE"}, id="nbf-future"),
        pytest.param({"sub": None}, id="sub-missing"),
        pytest.param({"sub": ""}, id="sub-empty"),
        pytest.param({"sub": 12345}, id="sub-number"),
    ],
)
def test_each_claim_wrong_in_turn_is_refused(idp, app, oidc_idp, local_idp, verified_user, claims):
    user = verified_user()
    now = _now()
    values = {"PAST": now - 61 - 5, "OLD": now - 600 - 61 - 5, "FUTURE": now + 61 + 5}
    resolved = {}
    for name, value in claims.items():
        if isinstance(value, str) and value.startswith("ISSUER"):
            value = local_idp.issuer + value.removeprefix("ISSUER")
        resolved[name] = values.get(value, value) if isinstance(value, str) else value
    if "iat" in claims and claims["iat"] == "OLD":
        resolved["exp"] = now + 3600
    assert_refused(auth_with_idp(idp, app, oidc_idp, local_idp.mint(email=user.email, **resolved)))
    assert not IdentityLink.objects.exists()


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"exp": "PAST_IN_LEEWAY"}, id="exp-within-leeway"),
        pytest.param({"nbf": "FUTURE_IN_LEEWAY"}, id="nbf-within-leeway"),
        pytest.param({"iat": "OLD_IN_LEEWAY"}, id="iat-at-max-age"),
        pytest.param({"aud": [CLIENT_ID, "another"], "azp": CLIENT_ID}, id="aud-several-our-azp"),
    ],
)
def test_clock_leeway_and_azp_accept(idp, app, oidc_idp, local_idp, verified_user, claims):
    user = verified_user()
    now = _now()
    values = {"PAST_IN_LEEWAY": now - 30, "FUTURE_IN_LEEWAY": now + 30, "OLD_IN_LEEWAY": now - 600 - 30}
    resolved = {k: values.get(v, v) if isinstance(v, str) else v for k, v in claims.items()}
    assert auth_with_idp(idp, app, oidc_idp, local_idp.mint(email=user.email, **resolved)).status_code == 200


# -- verification: algorithm tricks --------------------------------------------------------------
def _public_pem(local_idp) -> bytes:
    return local_idp.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_alg_none_is_refused(idp, app, oidc_idp, local_idp, verified_user):
    user = verified_user()
    claims = local_idp.claims(email=user.email)
    for alg in ("none", "None", "NONE"):
        assert_refused(auth_with_idp(idp, app, oidc_idp, unsigned({"alg": alg, "kid": local_idp.kid}, claims)))
    assert local_idp.hits["/jwks.json"] == 0  # refused before any key was looked up


def test_hs256_signed_with_the_public_key_is_refused(idp, app, oidc_idp, local_idp, verified_user):
    user = verified_user()
    header = {"alg": "HS256", "kid": local_idp.kid, "typ": "JWT"}
    claims = local_idp.claims(email=user.email)
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}"
    for secret in (_public_pem(local_idp), json.dumps(local_idp.jwks()["keys"][0]).encode()):
        signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        assert_refused(auth_with_idp(idp, app, oidc_idp, f"{signing_input}.{b64url(signature)}"))
    shared = "any-secret-long-enough-for-hs256-0123456789"
    assert_refused(auth_with_idp(idp, app, oidc_idp, jwt.encode(claims, shared, "HS256", headers={"kid": "key-1"})))


@pytest.mark.parametrize("alg", ["RS384", "RS512", "PS256"])
def test_other_rsa_algorithms_are_refused_with_the_right_key(idp, app, oidc_idp, local_idp, verified_user, alg):
    user = verified_user()
    assert_refused(auth_with_idp(idp, app, oidc_idp, local_idp.mint(email=user.email, algorithm=alg)))


def test_a_signature_by_another_key_under_our_kid_is_refused(idp, app, oidc_idp, local_idp, verified_user):
    user = verified_user()
    assert_refused(auth_with_idp(idp, app, oidc_idp, local_idp.mint(email=user.email, key=new_key())))


def test_an_embedded_jwk_or_jku_header_is_ignored(idp, app, oidc_idp, local_idp, verified_user):
    user = verified_user()
    attacker = new_key()
    headers = {"jwk": public_jwk(attacker, "evil"), "jku": f"{local_idp.issuer}/evil.json"}
    assert_refused(auth_with_idp(idp, app, oidc_idp, local_idp.mint(email=user.email, key=attacker, headers=headers)))
    assert_refused(auth_with_idp(idp, app, oidc_idp, local_idp.mint(email=user.email, key=attacker, kid="evil")))
    assert local_idp.hits["/evil.json"] == 0


def test_an_unknown_kid_is_refused(idp, app, oidc_idp, local_idp, verified_user):
    user = verified_user()
    assert_refused(auth_with_idp(idp, app, oidc_idp, local_idp.mint(email=user.email, kid="no-such-kid")))


def test_a_kid_naming_a_key_of_the_wrong_type_is_refused(idp, app, oidc_idp, local_idp, verified_user):
    user = verified_user()
    ec_key = ec.generate_private_key(ec.SECP256R1())
    local_idp.extra_jwks = [
        {**json.loads(ECAlgorithm.to_jwk(ec_key.public_key())), "kid": "ec-1"},
        {"kty": "oct", "k": b64url(b"a shared secret that must never verify"), "kid": "oct-1"},
        {**public_jwk(local_idp.key, "enc-1"), "use": "enc"},
        {**public_jwk(local_idp.key, "rs512-1"), "alg": "RS512"},
        {"kty": "RSA", "kid": "broken-1", "n": "!!", "e": "AQAB"},
    ]
    claims = local_idp.claims(email=user.email)
    assert_refused(auth_with_idp(idp, app, oidc_idp, jwt.encode(claims, ec_key, "ES256", headers={"kid": "ec-1"})))
    for kid in ("ec-1", "oct-1", "enc-1", "rs512-1", "broken-1"):
        assert_refused(auth_with_idp(idp, app, oidc_idp, local_idp.mint(email=user.email, kid=kid)))


def test_a_small_rsa_key_is_refused(idp, app, oidc_idp, local_idp, verified_user):
    from cryptography.hazmat.primitives.asymmetric import rsa

    user = verified_user()
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    local_idp.extra_jwks = [public_jwk(small, "small")]
    assert_refused(auth_with_idp(idp, app, oidc_idp, local_idp.mint(email=user.email, key=small, kid="small")))


def test_an_access_token_typ_is_not_an_id_token(idp, app, oidc_idp, local_idp, verified_user):
    user = verified_user()
    assert_refused(auth_with_idp(idp, app, oidc_idp, local_idp.mint(email=user.email, headers={"typ": "at+jwt"})))


def test_a_kidless_token_uses_a_single_key_jwks_only(idp, app, oidc_idp, local_idp, verified_user):
    user = verified_user()
    assert auth_with_idp(idp, app, oidc_idp, local_idp.mint(sub="k", email=user.email, kid=None)).status_code == 200
    local_idp.rotate()
    from flex_auth_django.idp.documents import document_cache

    document_cache.clear()
    from django.core.cache import caches

    caches["default"].clear()
    assert_refused(auth_with_idp(idp, app, oidc_idp, local_idp.mint(sub="k2", email=user.email, kid=None)))


def test_unknown_critical_header_is_refused(idp, app, oidc_idp, local_idp, verified_user):
    user = verified_user()
    headers = {"crit": ["exp-new"], "exp-new": 1}
    assert_refused(auth_with_idp(idp, app, oidc_idp, local_idp.mint(email=user.email, headers=headers)))


# -- malformed tokens: never a 500 ----------------------------------------------------------------
HUGE_HEADER = b64url(json.dumps({"alg": "RS256", "kid": "key-1", "pad": "x" * 3000}).encode())


@pytest.mark.parametrize(
    "token",
    [
        "undefined",
        "abc",
        "a.b",
        "a.b.c",
        "a.b.c.d",
        "....",
        "..",
        "%%%.%%%.%%%",
        f"{HUGE_HEADER}.e30.",
        f"{b64url(b'not json')}.e30.",
        f"{b64url(b'[1,2]')}.e30.",
        f"{b64url(b'{}')}.e30.",
        f"{b64url(json.dumps({'alg': 'RS256', 'kid': 7}).encode())}.e30.",
        f"{b64url(json.dumps({'alg': 'RS256', 'kid': 'key-1'}).encode())}.{b64url(b'not json')}.c2ln",
        f"{b64url(json.dumps({'alg': 'RS256', 'kid': 'key-1'}).encode())}.{b64url(b'[]')}.c2ln",
        "é.é.é",
        "eyJ\t.e30.",
    ],
)
def test_malformed_tokens_are_the_same_refusal(idp, app, oidc_idp, local_idp, token):
    assert_refused(auth_with_idp(idp, app, oidc_idp, token))


@pytest.mark.parametrize("token", ["a" * 5000 + ".b.c", "eyJ\x00.e30."])
def test_tokens_the_parameter_parser_refuses_are_invalid_request(idp, app, oidc_idp, local_idp, token):
    response = auth_with_idp(idp, app, oidc_idp, token)
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


# -- failures cost about the same ------------------------------------------------------------------
def test_bad_token_unknown_provider_and_no_account_run_the_same_queries(idp, app, oidc_idp, local_idp):
    auth_with_idp(idp, app, oidc_idp, local_idp.mint(email="warm@example.com"))  # keys cached, app touched
    counts = []
    for token, extra in (
        (local_idp.mint(email="nobody@example.com"), {}),
        (local_idp.mint(email="nobody@example.com", key=new_key()), {}),
        (local_idp.mint(email="nobody@example.com"), {"idp_id": "unknown"}),
    ):
        with CaptureQueriesContext(connection) as queries:
            assert_refused(auth_with_idp(idp, app, oidc_idp, token, **extra))
        counts.append(len(queries))
    assert len(set(counts)) == 1, counts


# -- the provider and Google -------------------------------------------------------------------------
def test_the_provider_down_with_no_keys_is_503_and_no_failure_counted(idp, app, oidc_idp, local_idp, verified_user):
    user = verified_user()
    local_idp.outage = True
    with override_settings(FLEX_AUTH={"THROTTLE_IDP_ACCOUNT": (1, 900)}):
        token = local_idp.mint(sub="down", email=user.email)
        response = auth_with_idp(idp, app, oidc_idp, token)
        assert response.status_code == 503, response.content
        assert response.json()["error"] == "temporarily_unavailable" and response["Retry-After"]
        assert auth_with_idp(idp, app, oidc_idp, token).status_code == 503  # not 429: the outage was refunded


def test_discovery_naming_another_issuer_is_a_provider_problem(idp, app, oidc_idp, local_idp, verified_user):
    local_idp.discovery_issuer = "https://impostor.example"
    assert auth_with_idp(idp, app, oidc_idp, local_idp.mint(email=verified_user().email)).status_code == 503


@pytest.fixture
def google_idp(db, local_idp, settings):
    settings.FLEX_AUTH = {
        "IDP_GOOGLE_ISSUERS": [local_idp.issuer, "local-google"],
        "IDP_GOOGLE_JWKS_URI": local_idp.jwks_uri,
    }
    return IdentityProvider.objects.create(idp_id="google", name="Google", kind=IdpKind.GOOGLE, client_id=CLIENT_ID)


def test_google_uses_its_issuers_and_keys_without_discovery(idp, app, google_idp, local_idp, verified_user):
    user = verified_user()
    assert auth_with_idp(idp, app, google_idp, local_idp.mint(sub="g1", email=user.email)).status_code == 200
    assert auth_with_idp(idp, app, google_idp, local_idp.mint(sub="g1", iss="local-google")).status_code == 200
    assert_refused(
        auth_with_idp(idp, app, google_idp, local_idp.mint(sub="g1", iss="https://accounts.google.com.evil"))
    )
    assert local_idp.hits["/.well-known/openid-configuration"] == 0
    assert local_idp.hits["/jwks.json"] == 1


def test_a_static_jwks_needs_no_provider_at_all(idp, app, oidc_idp, local_idp, verified_user):
    oidc_idp.jwks = local_idp.jwks()
    oidc_idp.save()
    local_idp.outage = True
    user = verified_user()
    assert auth_with_idp(idp, app, oidc_idp, local_idp.mint(email=user.email)).status_code == 200
    assert_refused(auth_with_idp(idp, app, oidc_idp, local_idp.mint(email=user.email, kid="other")))
    assert sum(local_idp.hits.values()) == 0


# -- throttling --------------------------------------------------------------------------------------
def test_failures_per_idp_account_are_throttled_before_verification(idp, app, oidc_idp, local_idp, verified_user):
    user = verified_user()
    with override_settings(FLEX_AUTH={"THROTTLE_IDP_ACCOUNT": (2, 900)}):
        for _ in range(2):
            assert_refused(
                auth_with_idp(idp, app, oidc_idp, local_idp.mint(sub="victim", email=user.email, key=new_key()))
            )
        fetches = local_idp.hits["/jwks.json"]
        blocked = auth_with_idp(idp, app, oidc_idp, local_idp.mint(sub="victim", email=user.email))
        assert blocked.status_code == 429 and blocked.json()["error"] == "too_many_requests"
        assert int(blocked["Retry-After"]) > 0
        assert local_idp.hits["/jwks.json"] == fetches
        # Another account is not affected, nor the same account from another address (no lock-out lever).
        assert auth_with_idp(idp, app, oidc_idp, local_idp.mint(sub="other", email=user.email)).status_code == 200
        elsewhere = idp.post(
            idp_params(app, oidc_idp, local_idp.mint(sub="victim", email=user.email)), REMOTE_ADDR="198.51.100.7"
        )
        assert elsewhere.status_code == 200


def test_forged_tokens_from_many_addresses_hit_the_account_ceiling(idp, app, oidc_idp, local_idp, verified_user):
    user = verified_user()
    with override_settings(FLEX_AUTH={"THROTTLE_IDP_ACCOUNT": (2, 900), "THROTTLE_ACCOUNT": (4, 900)}):
        for n in range(4):
            forged = local_idp.mint(sub="target", email=user.email, key=new_key())
            assert_refused(idp.post(idp_params(app, oidc_idp, forged), REMOTE_ADDR=f"198.51.100.{n}"))
        blocked = idp.post(idp_params(app, oidc_idp, local_idp.mint(sub="target")), REMOTE_ADDR="203.0.113.9")
        assert blocked.status_code == 429


def test_a_success_resets_the_account_counter(idp, app, oidc_idp, local_idp, verified_user):
    user = verified_user()
    with override_settings(FLEX_AUTH={"THROTTLE_IDP_ACCOUNT": (2, 900)}):
        assert_refused(auth_with_idp(idp, app, oidc_idp, local_idp.mint(sub="me", email=user.email, key=new_key())))
        assert auth_with_idp(idp, app, oidc_idp, local_idp.mint(sub="me", email=user.email)).status_code == 200
        assert_refused(auth_with_idp(idp, app, oidc_idp, local_idp.mint(sub="me", email=user.email, key=new_key())))
        assert auth_with_idp(idp, app, oidc_idp, local_idp.mint(sub="me", email=user.email)).status_code == 200


def test_failures_per_client_ip_are_throttled(idp, app, oidc_idp, local_idp):
    with override_settings(FLEX_AUTH={"THROTTLE_IP": (3, 900)}):
        for n in range(3):
            assert_refused(auth_with_idp(idp, app, oidc_idp, local_idp.mint(sub=f"s{n}", email="nobody@example.com")))
        blocked = auth_with_idp(idp, app, oidc_idp, local_idp.mint(sub="s-next"))
        assert blocked.status_code == 429


# -- signals and the audit log -------------------------------------------------------------------------
def test_signals_and_audit_records_like_the_password_grant(idp, app, oidc_idp, local_idp, verified_user, caplog):
    user = verified_user()
    issued, failed, linked = [], [], []
    signals.token_issued.connect(issued_receiver := lambda **kw: issued.append(kw), weak=False)
    signals.auth_failed.connect(failed_receiver := lambda **kw: failed.append(kw), weak=False)
    signals.identity_linked.connect(linked_receiver := lambda **kw: linked.append(kw), weak=False)
    token = local_idp.mint(email=user.email)
    try:
        with caplog.at_level(logging.INFO, logger="flex_auth_django.security"):
            assert_refused(auth_with_idp(idp, app, oidc_idp, local_idp.mint(email="nobody@example.com")))
            assert auth_with_idp(idp, app, oidc_idp, token).status_code == 200
    finally:
        signals.token_issued.disconnect(issued_receiver)
        signals.auth_failed.disconnect(failed_receiver)
        signals.identity_linked.disconnect(linked_receiver)
    assert [(s["grant_type"], s["user"], s["kind"]) for s in issued] == [("auth_with_idp", user, "user")]
    assert [(f["endpoint"], f["reason"], f["grant_type"], f["status"]) for f in failed] == [
        ("auth_with_idp", "idp_no_match", "auth_with_idp", 401)
    ]
    assert [(x["provider"], x["user"], x["how"]) for x in linked] == [(oidc_idp, user, "email")]
    records = [r.flex_auth for r in caplog.records if hasattr(r, "flex_auth")]
    assert {r["event"] for r in records} >= {"refused", "issued", "identity_linked"}
    assert any(r["event"] == "issued" and r.get("grant_type") == "auth_with_idp" for r in records)
    assert token not in caplog.text and token.split(".")[2] not in caplog.text


def test_registered_like_every_grant_but_not_a_grant_type_of_the_token_endpoint(token_endpoint, app, client):
    from flex_auth_django.grants import get_registry
    from flex_auth_django.grants.idp_login import IdpLoginGrant

    assert get_registry().get("auth_with_idp") is IdpLoginGrant
    response = token_endpoint.post({"grant_type": "auth_with_idp", "client_id": str(app.client_id)})
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"
    assert "auth_with_idp" not in client.get("/.well-known/oauth-authorization-server").json()["grant_types_supported"]


def test_left_out_of_grant_classes_it_is_not_served(idp, app, oidc_idp, local_idp, verified_user, settings):
    from django.core import checks

    from flex_auth_django.settings import flex_settings

    user = verified_user()
    classes = [c for c in flex_settings.defaults["GRANT_CLASSES"] if not c.endswith("IdpLoginGrant")]
    settings.FLEX_AUTH = {"GRANT_CLASSES": classes}
    response = auth_with_idp(idp, app, oidc_idp, local_idp.mint(email=user.email))
    assert response.status_code == 400 and response.json()["error"] == "unsupported_grant_type"
    warnings = [m for m in checks.run_checks() if m.id == "flex_auth.W009"]
    assert warnings and "auth_with_idp" in warnings[0].msg
