"""System checks: throttling caches, lifetimes, and settings the Sharetribe SDKs depend on."""

from __future__ import annotations

import pytest
from django.core import checks

from flex_auth_django.checks.settings import check_flex_settings
from flex_auth_django.checks.throttling import check_throttle_cache, check_throttle_settings
from tests.helpers import ids

REDIS = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/3"}
LOCMEM = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}


@pytest.fixture
def flex(settings):
    """Set FLEX_AUTH keys for one test (on top of the test settings)."""

    def apply(**values):
        settings.FLEX_AUTH = {**getattr(settings, "FLEX_AUTH", {}), **values}

    return apply


@pytest.fixture
def redis_cache(settings):
    settings.CACHES = {"default": REDIS}


def all_messages(deploy: bool = False) -> list[checks.CheckMessage]:
    messages = check_flex_settings(None) + check_throttle_settings(None)
    return messages + (check_throttle_cache(None) if deploy else [])


@pytest.mark.usefixtures("redis_cache")
def test_the_defaults_on_a_shared_cache_raise_nothing(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert all_messages(deploy=True) == []


class TestThrottleCache:
    def test_deploy_warns_about_a_per_process_cache(self, settings, monkeypatch):
        monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
        settings.CACHES = {"default": LOCMEM}
        assert ids(check_throttle_cache(None)) == ["flex_auth.W001"]
        assert ids(check_throttle_settings(None)) == []  # one process (runserver, tests): fine

    def test_several_workers_warn_without_deploy_and_only_once(self, settings, monkeypatch):
        monkeypatch.setenv("WEB_CONCURRENCY", "4")
        settings.CACHES = {"default": LOCMEM}
        assert ids(all_messages(deploy=True)) == ["flex_auth.W001"]

    def test_the_configured_alias_is_the_one_checked(self, settings, flex, monkeypatch):
        monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
        settings.CACHES = {"default": LOCMEM, "throttle": REDIS}
        flex(THROTTLE_CACHE="throttle")
        assert check_throttle_cache(None) == []

    def test_a_dummy_cache_never_refuses_anything(self, settings):
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
        assert ids(check_throttle_settings(None)) == ["flex_auth.W006"]

    @pytest.mark.parametrize("backend", ["filebased.FileBasedCache", "db.DatabaseCache"])
    def test_non_atomic_caches_lose_counts(self, settings, backend):
        settings.CACHES = {"default": {"BACKEND": f"django.core.cache.backends.{backend}", "LOCATION": "x"}}
        assert ids(check_throttle_cache(None)) == ["flex_auth.W007"]

    def test_an_unknown_alias_is_an_error(self, flex):
        flex(THROTTLE_CACHE="nope")
        assert ids(check_throttle_settings(None)) == ["flex_auth.E011"]

    @pytest.mark.usefixtures("redis_cache")
    def test_throttling_off_is_a_deploy_warning(self, flex):
        flex(THROTTLE_ENABLED=False)
        assert ids(check_throttle_cache(None)) == ["flex_auth.W005"]
        assert check_throttle_settings(None) == []

    @pytest.mark.parametrize("value", [(0, 900), (10, 0), (10,), "10/900", (10.5, 900), (True, 900)])
    def test_malformed_limits_are_errors(self, flex, value):
        flex(THROTTLE_USERNAME=value)
        assert ids(check_throttle_settings(None)) == ["flex_auth.E010"]

    @pytest.mark.parametrize(
        "name, value",
        [
            ("THROTTLE_USERNAME", (1000, 900)),
            ("THROTTLE_ACCOUNT", (100_000, 900)),
            ("THROTTLE_IP", (50, 10)),
            ("THROTTLE_CLIENT_SECRET", (20, 10**6)),
        ],
    )
    def test_limits_outside_sane_ranges_warn(self, flex, name, value):
        flex(**{name: value})
        assert ids(check_throttle_settings(None)) == ["flex_auth.W008"]


@pytest.mark.usefixtures("redis_cache")
class TestLifetimes:
    @pytest.mark.parametrize(
        "name, value",
        [
            ("ACCESS_TOKEN_LIFETIME", 10),
            ("ACCESS_TOKEN_LIFETIME", 86400),
            ("TRUSTED_TOKEN_LIFETIME", 3600),
            ("REFRESH_TOKEN_LIFETIME", 60),
            ("SESSION_MAX_LIFETIME", 10 * 365 * 86400),
            ("REFRESH_GRACE_PERIOD", 600),
        ],
    )
    def test_out_of_range(self, flex, name, value):
        flex(**{name: value})
        messages = check_flex_settings(None)
        assert set(ids(messages)) == {"flex_auth.W002"}
        assert any(name in m.msg for m in messages)

    @pytest.mark.parametrize("value", ["600", 600.0, True, -5, None])
    def test_malformed_lifetimes_are_errors_naming_the_setting(self, flex, value):
        flex(ACCESS_TOKEN_LIFETIME=value)
        messages = check_flex_settings(None)
        assert ids(messages) == ["flex_auth.E012"]
        assert "ACCESS_TOKEN_LIFETIME" in messages[0].msg and messages[0].level == checks.ERROR

    def test_refresh_outliving_the_session(self, flex):
        flex(REFRESH_TOKEN_LIFETIME=60 * 86400, SESSION_MAX_LIFETIME=30 * 86400)
        assert ids(check_flex_settings(None)) == ["flex_auth.W002"]

    def test_trusted_outliving_access(self, flex):
        flex(ACCESS_TOKEN_LIFETIME=120, TRUSTED_TOKEN_LIFETIME=300)
        assert ids(check_flex_settings(None)) == ["flex_auth.W002"]


@pytest.mark.usefixtures("redis_cache")
class TestSdkCompatibility:
    def test_invalid_grant_400_warns(self, flex):
        flex(INVALID_GRANT_STATUS=400)
        assert ids(check_flex_settings(None)) == ["flex_auth.W003"]

    def test_invalid_grant_other_statuses_are_errors(self, flex):
        flex(INVALID_GRANT_STATUS=403)
        assert ids(check_flex_settings(None)) == ["flex_auth.E008"]

    def test_a_missing_sdk_grant_warns(self, flex):
        flex(
            GRANT_CLASSES=[
                "flex_auth_django.grants.client_credentials.ClientCredentialsGrant",
                "flex_auth_django.grants.password.PasswordGrant",
                "flex_auth_django.grants.refresh_token.RefreshTokenGrant",
            ]
        )
        messages = check_flex_settings(None)
        assert ids(messages) == ["flex_auth.W009"]
        assert "token_exchange" in messages[0].msg

    def test_an_unimportable_grant_is_an_error(self, flex):
        flex(GRANT_CLASSES=["flex_auth_django.grants.nope.Grant"])
        assert ids(check_flex_settings(None)) == ["flex_auth.E007"]

    def test_no_grace_period_warns(self, flex):
        flex(REFRESH_GRACE_PERIOD=0)
        assert ids(check_flex_settings(None)) == ["flex_auth.W010"]

    @pytest.mark.parametrize("value", [0, -1, "1", True])
    def test_num_proxies_must_be_a_positive_count(self, flex, value):
        flex(NUM_PROXIES=value)
        assert ids(check_flex_settings(None)) == ["flex_auth.E009"]


def test_checks_are_registered_with_the_right_tags(settings, monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    settings.CACHES = {"default": LOCMEM}
    settings.FLEX_AUTH = {"INVALID_GRANT_STATUS": 400}
    plain = ids(checks.run_checks())
    deploy = ids(checks.run_checks(include_deployment_checks=True))
    assert "flex_auth.W003" in plain and "flex_auth.W001" not in plain
    assert "flex_auth.W001" in deploy


class TestDotWiring:
    """`manage.py check` catches django-oauth-toolkit settings that would bypass our server or models."""

    def test_the_example_wiring_is_clean(self):
        from flex_auth_django.dot.checks import check_dot_wiring

        assert check_dot_wiring(None) == []

    @pytest.mark.parametrize(
        "key, value",
        [
            ("OAUTH2_SERVER_CLASS", "oauthlib.oauth2.Server"),
            ("OAUTH2_SERVER_CLASS", "no.such.Server"),
            ("OAUTH2_VALIDATOR_CLASS", "oauth2_provider.oauth2_validators.OAuth2Validator"),
        ],
    )
    def test_a_foreign_server_or_validator_is_an_error(self, settings, key, value):
        from flex_auth_django.dot.checks import check_dot_wiring

        settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, key: value}
        assert ids(check_dot_wiring(None)) == ["flex_auth.E002"]

    def test_manage_py_check_fails_on_dot_stock_models(self, settings):
        from django.core.management import call_command
        from django.core.management.base import SystemCheckError

        settings.OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"
        with pytest.raises(SystemCheckError, match="flex_auth.E001"):
            call_command("check")

    def test_dot_must_come_before_us(self, settings):
        from flex_auth_django.dot.checks import check_dot_wiring

        apps = [a for a in settings.INSTALLED_APPS if a != "oauth2_provider"]
        settings.INSTALLED_APPS = [*apps, "oauth2_provider"]
        assert "flex_auth.E003" in ids(check_dot_wiring(None))


class TestAbuseChecks:
    def test_defaults_raise_nothing(self):
        from flex_auth_django.checks.abuse import check_account_ceiling, check_admin_login_throttled

        assert check_account_ceiling(None) == [] and check_admin_login_throttled(None) == []

    def test_an_account_ceiling_near_the_pair_limit_warns(self, flex):
        from flex_auth_django.checks.abuse import check_account_ceiling

        flex(THROTTLE_USERNAME=(10, 900), THROTTLE_ACCOUNT=(15, 900))
        assert ids(check_account_ceiling(None)) == ["flex_auth.W020"]

    def test_an_unthrottled_admin_login_form_warns(self, monkeypatch):
        from django.contrib import admin
        from django.contrib.admin.forms import AdminAuthenticationForm

        from flex_auth_django.checks.abuse import check_admin_login_throttled

        monkeypatch.setattr(admin.site, "login_form", AdminAuthenticationForm)
        assert ids(check_admin_login_throttled(None)) == ["flex_auth.W021"]
