"""Units of identity-provider login: the secret box, provider URLs, JWK parsing, settings shapes."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from flex_auth_django.idp import secret_box
from flex_auth_django.idp.models import check_provider_url
from flex_auth_django.idp.oidc import WRONG_TYPE, parse_jwks
from flex_auth_django.settings import flex_settings
from tests.idp_provider import new_key, public_jwk


def test_sealed_secrets_are_random_authenticated_and_bound_to_the_key(settings):
    one, two = secret_box.seal("s3cret"), secret_box.seal("s3cret")
    assert one != two and "s3cret" not in one
    assert secret_box.open_sealed(one) == "s3cret"
    prefix, tag, data = one.split("$")
    flipped = data[:-2] + ("A" if data[-2] != "A" else "B") + data[-1]
    assert secret_box.open_sealed(f"{prefix}${tag}${flipped}") is None
    for broken in ("", "garbage", "aesgcm1$x$", "other$tag$AAAA", one + "$extra"):
        assert secret_box.open_sealed(broken) is None
    settings.SECRET_KEY = "another-secret-key-" + "y" * 40
    assert secret_box.open_sealed(one) is None


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://id.example.com", True),
        ("https://id.example.com/tenant/", True),
        ("http://127.0.0.1:8080", True),
        ("http://localhost:9000/realms/x", True),
        ("http://[::1]:9000", True),
        ("http://id.example.com", False),
        ("http://127.0.0.1.evil.example", False),
        ("ftp://id.example.com", False),
        ("https://id.example.com?x=1", False),
        ("https://id.example.com#f", False),
        ("id.example.com", False),
    ],
)
def test_provider_urls_are_https_except_on_loopback(url, ok):
    if ok:
        check_provider_url(url)
    else:
        with pytest.raises(ValidationError):
            check_provider_url(url)


def test_jwks_parsing_keeps_only_rsa_signing_keys_of_2048_bits_or_more():
    key = new_key()
    good = public_jwk(key, "good")
    keys = parse_jwks(
        {
            "keys": [
                good,
                {**good, "kid": "enc", "use": "enc"},
                {**good, "kid": "ps", "alg": "PS256"},
                {"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"},
                {"kty": "oct", "kid": "oct", "k": "c2VjcmV0"},
                "not a key",
                {**good, "kid": "good"},  # a duplicate kid: the first one wins
            ]
        }
    )
    assert set(keys) == {"good", "enc", "ps", "ec", "oct"}
    assert keys["good"] is not WRONG_TYPE and keys["good"].public_numbers() == key.public_key().public_numbers()
    assert all(keys[k] is WRONG_TYPE for k in ("enc", "ps", "ec", "oct"))
    assert parse_jwks("nonsense") == {} and parse_jwks({"keys": "x"}) == {}


def test_a_jwk_with_private_parts_yields_only_its_public_key():
    from jwt.algorithms import RSAAlgorithm

    key = new_key()
    private = {**json.loads(RSAAlgorithm.to_jwk(key)), "kid": "p"}
    parsed = parse_jwks({"keys": [private]})["p"]
    assert not hasattr(parsed, "private_numbers")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("IDP_GOOGLE_JWKS_URI", "not a url"),
        ("IDP_FACEBOOK_GRAPH_URL", "ftp://graph"),
        ("IDP_GOOGLE_ISSUERS", "https://accounts.google.com"),
        ("VERIFIED_EMAIL_CHECK", "nodots"),
        ("THROTTLE_IDP_ACCOUNT", (0, 10)),
        ("IDP_FETCH_TIMEOUT", 0),
    ],
)
def test_malformed_idp_settings_fail_loudly(settings, name, value):
    settings.FLEX_AUTH = {name: value}
    with pytest.raises(ImproperlyConfigured):
        getattr(flex_settings, name)


def test_a_verified_email_check_that_cannot_be_imported_fails_loudly(settings, db):
    from flex_auth_django.idp.verified_email import is_verified
    from tests.factories import UserFactory

    settings.FLEX_AUTH = {"VERIFIED_EMAIL_CHECK": "no.such.module.check"}
    with pytest.raises(ImproperlyConfigured):
        is_verified(UserFactory())


@pytest.mark.parametrize(
    ("value", "errors"),
    [
        (None, []),
        ("tests.idp.test_units.a_check", []),
        ("no.such.module.check", ["flex_auth.E132"]),
        ("tests.idp.test_units.NOT_CALLABLE", ["flex_auth.E132"]),
        ("nodots", ["flex_auth.E131"]),
    ],
)
def test_system_checks_report_a_verified_email_check_that_cannot_work(settings, value, errors):
    from django.core import checks

    settings.FLEX_AUTH = {"VERIFIED_EMAIL_CHECK": value}
    found = [m.id for m in checks.run_checks() if m.id in ("flex_auth.E131", "flex_auth.E132")]
    assert found == errors


def a_check(user) -> bool:
    return True


NOT_CALLABLE = 42
