"""Keyed digests: format, key rotation, constant-time verification, derivation."""

from __future__ import annotations

import pytest

from flex_auth_django.tokens import digests, generate


@pytest.fixture
def keys(settings):
    def use(*pairs):
        settings.FLEX_AUTH = {"DIGEST_KEYS": list(pairs)}

    return use


def test_digest_names_algorithm_and_key_and_hides_the_value(keys):
    keys(("k1", "a" * 32))
    digest = digests.make("flxa_secret")
    algorithm, key_id, mac = digest.split("$")
    assert (algorithm, key_id) == ("hmac-sha256", "k1")
    assert "secret" not in mac and len(mac) == 43


def test_digest_is_deterministic_and_keyed(keys):
    keys(("k1", "a" * 32))
    first = digests.make("value")
    assert digests.make("value") == first
    keys(("k1", "b" * 32))
    assert digests.make("value") != first


def test_retired_keys_still_verify_and_must_update(keys):
    keys(("old", "o" * 32))
    stored = digests.make("value")
    keys(("new", "n" * 32), ("old", "o" * 32))
    assert digests.verify("value", stored)
    assert digests.must_update(stored)
    assert not digests.must_update(digests.make("value"))
    assert stored in digests.candidates("value")


def test_dropped_key_no_longer_verifies(keys):
    keys(("old", "o" * 32))
    stored = digests.make("value")
    keys(("new", "n" * 32))
    assert not digests.verify("value", stored)


@pytest.mark.parametrize("stored", ["", "garbage", "md5$k1$abc", "hmac-sha256$nokey$abc", "hmac-sha256"])
def test_verify_rejects_malformed_or_foreign_digests(stored):
    assert digests.verify("value", stored) is False


def test_verify_compares_in_constant_time(monkeypatch):
    calls = []
    real = digests.constant_time_compare
    monkeypatch.setattr(digests, "constant_time_compare", lambda a, b: calls.append(1) or real(a, b))
    stored = digests.make("value")
    assert digests.verify("value", stored) and not digests.verify("other", stored)
    assert not digests.verify("value", "")  # the dummy path compares too
    assert len(calls) == 3


def test_default_key_comes_from_secret_key_and_fallbacks(settings):
    settings.SECRET_KEY = "first-secret-key-0123456789012345678901234567890"
    stored = digests.make("value")
    settings.SECRET_KEY_FALLBACKS = ["first-secret-key-0123456789012345678901234567890"]
    settings.SECRET_KEY = "second-secret-key-012345678901234567890123456789"
    assert digests.verify("value", stored)
    assert digests.make("value") != stored


def test_derive_is_deterministic_per_label_and_value():
    assert digests.derive("a", "x") == digests.derive("a", "x")
    assert digests.derive("a", "x") != digests.derive("a", "y")
    assert digests.derive("a", "x") != digests.derive("b", "x")
    assert len(digests.derive("a", "x")) == 32


def test_generated_tokens_have_prefix_and_256_bits():
    for make, prefix in (
        (generate.access_token, "flxa_"),
        (generate.refresh_token, "flxr_"),
        (generate.client_secret, "flxs_"),
    ):
        value = make()
        assert value.startswith(prefix)
        assert len(value) - len(prefix) == 43  # 32 bytes, base64url without padding
        assert generate.looks_like(value, prefix)
    assert len({generate.access_token() for _ in range(100)}) == 100


@pytest.mark.parametrize("value", [None, "", "flxa_short", "flxr_" + "A" * 43, "flxa_" + "!" * 43, "xflxa_" + "A" * 43])
def test_looks_like_rejects_what_is_not_an_access_token(value):
    assert not generate.looks_like(value, "flxa_")


def test_settings_reject_bad_key_ids(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.FLEX_AUTH = {"DIGEST_KEYS": [("a$b", "x" * 32)]}
    with pytest.raises(ImproperlyConfigured):
        digests.make("v")
