"""The key check (flex_auth.E030, E031): what counts as published or weak, in-process."""

from __future__ import annotations

import secrets

import pytest

from flex_auth_django.checks.keys import MIN_BITS, check_keys, estimated_bits, weakness
from tests.helpers import ids


@pytest.mark.parametrize(
    "key",
    [
        secrets.token_urlsafe(50),  # what the example site and the README generate
        secrets.token_urlsafe(32),
        secrets.token_hex(32),
        secrets.token_hex(16),  # 128 random bits in hex
    ],
)
def test_generated_keys_pass(key):
    assert weakness(key, frozenset()) is None


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("", "entropy"),
        ("changeme", "published"),
        ("  CHANGEME ", "published"),
        ("django-insecure-" + secrets.token_urlsafe(40), "placeholder"),
        ("a" * 60, "entropy"),
        ("password1234" * 6, "entropy"),  # a repeated block counts once
        ("abcdefgh" * 8, "entropy"),
        ("short-but-random-9f2K", "entropy"),
    ],
)
def test_published_placeholder_and_weak_keys_are_named(key, reason):
    assert reason in weakness(key, frozenset({"changeme"}))


def test_repetition_does_not_add_entropy():
    block = secrets.token_urlsafe(12)
    assert estimated_bits(block * 4) == estimated_bits(block)
    assert estimated_bits(block) < MIN_BITS


def test_bytes_keys_are_judged_too():
    assert weakness(b"a" * 64, frozenset()) is not None
    assert weakness(secrets.token_bytes(48).hex().encode(), frozenset()) is None


def test_the_check_reports_secret_key_fallbacks_and_digest_keys(settings):
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    settings.SECRET_KEY_FALLBACKS = ["example-project-insecure-key-change-me-in-production-0123456789"]
    settings.FLEX_AUTH = {"DIGEST_KEYS": [("k3", secrets.token_urlsafe(32)), ("k2", "old key"), ("k1", "x" * 40)]}
    messages = check_keys(None)
    assert ids(messages) == ["flex_auth.E030", "flex_auth.E031", "flex_auth.E031"]
    text = " ".join(m.msg for m in messages)
    assert "SECRET_KEY_FALLBACKS[0] is a published value" in text
    assert "'k2' is a published value" in text and "'k1' has too little entropy" in text
    assert "old key" not in text and "x" * 40 not in text  # values are never echoed


def test_the_check_is_quiet_for_strong_keys(settings):
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    settings.SECRET_KEY_FALLBACKS = [secrets.token_urlsafe(50)]
    settings.FLEX_AUTH = {"DIGEST_KEYS": [("k1", secrets.token_urlsafe(32))]}
    assert check_keys(None) == []


def test_the_check_is_a_deploy_check():
    from django.core import checks

    assert check_keys in checks.registry.registry.get_checks(include_deployment_checks=True)
    assert check_keys not in checks.registry.registry.get_checks(include_deployment_checks=False)
