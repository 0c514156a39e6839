"""flex_settings (defaults, unknown keys, reload) and the grant registry."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from flex_auth_django.grants import GrantRegistry, get_registry
from flex_auth_django.grants.client_credentials import ClientCredentialsGrant
from flex_auth_django.grants.password import PasswordGrant
from flex_auth_django.settings import flex_settings


def test_defaults_match_the_spec():
    assert flex_settings.ACCESS_TOKEN_LIFETIME == 600
    assert flex_settings.TRUSTED_TOKEN_LIFETIME == 300
    assert flex_settings.REFRESH_TOKEN_LIFETIME == 30 * 86400
    assert flex_settings.SESSION_MAX_LIFETIME == 180 * 86400
    assert flex_settings.REFRESH_GRACE_PERIOD == 10
    assert flex_settings.INVALID_GRANT_STATUS == 401
    assert flex_settings.THROTTLE_USERNAME == (10, 900)  # per (account, client IP)
    assert flex_settings.THROTTLE_ACCOUNT == (100, 900)
    assert flex_settings.THROTTLE_IP == (50, 900)
    assert flex_settings.THROTTLE_CLIENT_SECRET == (100, 900)  # per client IP


def test_override_settings_is_seen_at_call_time(settings):
    settings.FLEX_AUTH = {"ACCESS_TOKEN_LIFETIME": 5}
    assert flex_settings.ACCESS_TOKEN_LIFETIME == 5
    settings.FLEX_AUTH = {}
    assert flex_settings.ACCESS_TOKEN_LIFETIME == flex_settings.defaults["ACCESS_TOKEN_LIFETIME"]


def test_unknown_keys_fail_loudly(settings):
    settings.FLEX_AUTH = {"ACCESS_TOKEN_LIFETME": 5}
    with pytest.raises(ImproperlyConfigured, match="ACCESS_TOKEN_LIFETME"):
        _ = flex_settings.ACCESS_TOKEN_LIFETIME


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError):
        _ = flex_settings.NOT_A_SETTING


def test_registry_serves_every_default_grant_name():
    registry = get_registry()
    assert registry.get("password") is PasswordGrant
    assert registry.get("urn:ietf:params:oauth:grant-type:token-exchange") is registry.get("token_exchange")
    assert registry.allows("password", "marketplace") and not registry.allows("password", "integration")
    assert registry.allows("client_credentials", "integration")
    assert not registry.allows("nope", "marketplace")


def test_two_classes_may_not_claim_one_name():
    class Impostor(PasswordGrant):
        pass

    with pytest.raises(ImproperlyConfigured, match="password"):
        GrantRegistry([PasswordGrant, Impostor])


def test_a_grant_must_declare_names():
    class Nameless(ClientCredentialsGrant):
        grant_types = ()

    with pytest.raises(ImproperlyConfigured):
        GrantRegistry([Nameless])


def test_registry_follows_the_setting(settings):
    settings.FLEX_AUTH = {"GRANT_CLASSES": ["flex_auth_django.grants.password.PasswordGrant"]}
    assert get_registry().names() == ["password"]
