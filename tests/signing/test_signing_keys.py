"""SIGNING_KEYS: sources, states, what is refused, the system checks and flex_generate_signing_key."""

from __future__ import annotations

import io
import os
import stat

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.management import call_command
from django.core.management.base import CommandError

from flex_auth_django.checks import signing as signing_checks
from flex_auth_django.signing.keys import UnusableKey, build, keyring, load_key
from tests.signing import kid, pem, use_keys


def _pem(private_key) -> str:
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


class TestSources:
    def test_pem_file_and_environment(self, tmp_path, monkeypatch):
        path = tmp_path / "key.pem"
        path.write_text(pem("a"))
        monkeypatch.setenv("FLEX_TEST_KEY", pem("b"))
        ring = build([{"state": "active", "file": str(path)}, {"state": "next", "env": "FLEX_TEST_KEY"}])
        assert ring.problems == ()
        assert [k.kid for k in ring.keys] == [kid("a"), kid("b")]
        assert ring.active.kid == kid("a")
        assert ring.verifying(kid("b")).state == "next"

    def test_state_defaults_to_active_and_algorithms_follow_the_key(self):
        ring = build([{"pem": pem("r", "RS256")}])
        assert ring.active.alg == "RS256" and ring.active.bits == 2048
        assert load_key({"pem": pem("a")}).alg == "ES256"

    @pytest.mark.parametrize(
        ("entry", "message"),
        [
            ({"state": "active"}, "exactly one of"),
            ({"state": "active", "pem": "x", "env": "Y"}, "exactly one of"),
            ({"state": "live", "pem": "x"}, "state must be"),
            ({"state": "active", "pem": "not a key"}, "not an unencrypted PEM private key"),
            ({"state": "active", "file": "/nonexistent/key.pem"}, "cannot read the key file"),
            ({"state": "active", "env": "FLEX_TEST_UNSET_VARIABLE"}, "is not set"),
            ({"state": "active", "pem": "x", "kid": "mine"}, "unknown members"),
            ("a string", "must be a dict"),
        ],
    )
    def test_unusable_entries_are_named_without_the_key(self, entry, message):
        with pytest.raises(UnusableKey, match=message) as caught:
            load_key(entry)
        assert "PRIVATE KEY" not in str(caught.value)

    def test_weak_and_unsupported_keys_are_refused(self):
        weak = _pem(rsa.generate_private_key(public_exponent=65537, key_size=1024))
        with pytest.raises(UnusableKey, match="at least 2048 bits"):
            load_key({"pem": weak})
        p384 = _pem(ec.generate_private_key(ec.SECP384R1()))
        with pytest.raises(UnusableKey, match="P-256"):
            load_key({"pem": p384})

    def test_duplicates_and_two_active_keys_are_problems(self):
        ring = build([{"state": "active", "pem": pem("a")}, {"state": "retired", "pem": pem("a")}])
        assert len(ring.keys) == 1 and "same key" in ring.problems[0]
        ring = build([{"state": "active", "pem": pem("a")}, {"state": "active", "pem": pem("b")}])
        assert ring.active is None and "more than one active" in ring.problems[0]


class TestChecks:
    def test_a_sound_configuration_has_no_messages(self, settings):
        use_keys(settings, ("a", "active"), ("b", "next"))
        settings.CACHES = {**settings.CACHES, "shared": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}
        settings.FLEX_AUTH = {**settings.FLEX_AUTH, "REVOCATION_CACHE": "shared"}
        assert signing_checks.check_signing_keys(None) == []
        assert signing_checks.check_signing_deploy(None) == []
        assert signing_checks.check_revocation_cache(None) == []

    def test_bad_entries_are_errors(self, settings):
        settings.FLEX_AUTH = {
            **settings.FLEX_AUTH,
            "SIGNING_KEYS": [{"state": "active", "pem": pem("a")}, {"state": "next", "pem": pem("a")}],
        }
        messages = signing_checks.check_signing_keys(None)
        assert [m.id for m in messages] == ["flex_auth.E040"]

    def test_no_active_key_is_a_warning(self, settings):
        use_keys(settings, ("a", "next"))
        assert [m.id for m in signing_checks.check_signing_keys(None)] == ["flex_auth.W040"]

    def test_missing_keys_are_a_deploy_warning_unless_every_kind_is_opaque(self, settings, all_opaque):
        settings.FLEX_AUTH = {**settings.FLEX_AUTH, "SIGNING_KEYS": None}
        assert signing_checks.check_signing_deploy(None) == []
        settings.FLEX_AUTH = {**settings.FLEX_AUTH, "ACCESS_TOKEN_FORMATS": {}}
        assert [m.id for m in signing_checks.check_signing_deploy(None)] == ["flex_auth.W041"]

    def test_a_per_process_revocation_cache_is_a_deploy_warning(self, settings):
        use_keys(settings, ("a", "active"))  # the test settings' cache is LocMemCache
        messages = signing_checks.check_revocation_cache(None)
        assert [m.id for m in messages] == ["flex_auth.W042"]
        assert "single process" in messages[0].hint

    def test_an_unknown_revocation_cache_is_an_error(self, settings):
        use_keys(settings, ("a", "active"), REVOCATION_CACHE="nope")
        assert [m.id for m in signing_checks.check_revocation_cache(None)] == ["flex_auth.E041"]

    def test_the_checks_run_with_manage_py_check(self, settings):
        use_keys(settings, ("a", "next"))
        out = io.StringIO()
        call_command("check", stdout=out, stderr=out)
        assert "flex_auth.W040" in out.getvalue()

    def test_malformed_settings_are_errors(self, settings):
        from flex_auth_django.settings import flex_settings

        settings.FLEX_AUTH = {**settings.FLEX_AUTH, "ACCESS_TOKEN_FORMATS": {"anonymous": "jwt"}, "SIGNING_KEYS": "x"}
        ids = {check_id for _, _, check_id in flex_settings.problems()}
        assert {"flex_auth.E042", "flex_auth.E043"} <= ids


class TestGenerateCommand:
    @pytest.mark.parametrize("alg", ["ES256", "RS256"])
    def test_writes_a_usable_key_readable_only_by_its_owner(self, tmp_path, alg):
        path = tmp_path / "signing.pem"
        out = io.StringIO()
        call_command("flex_generate_signing_key", "--alg", alg, "--bits", "2048", "--out", str(path), stdout=out)
        key = load_key({"file": str(path)})
        assert key.alg == alg and key.kid in out.getvalue()
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert str(path) in out.getvalue() and "PRIVATE KEY" not in out.getvalue()

    def test_never_overwrites_a_key(self, tmp_path):
        path = tmp_path / "signing.pem"
        path.write_text("keep me")
        with pytest.raises(CommandError, match="exists"):
            call_command("flex_generate_signing_key", "--out", str(path))
        assert path.read_text() == "keep me"

    def test_prints_the_pem_without_out(self):
        out, err = io.StringIO(), io.StringIO()
        call_command("flex_generate_signing_key", stdout=out, stderr=err)
        assert load_key({"pem": out.getvalue()}).kid in err.getvalue()

    def test_refuses_weak_rsa(self):
        with pytest.raises(CommandError, match="at least 2048"):
            call_command("flex_generate_signing_key", "--alg", "RS256", "--bits", "1024")


def test_the_example_site_generates_its_development_key_once(tmp_path):
    from example_project.dev_keys import development_key

    path = development_key(tmp_path / "keys" / "dev.pem")
    first = path.read_text()
    assert load_key({"file": str(path)}).alg == "ES256"
    assert development_key(path).read_text() == first  # a second start keeps it
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_the_development_key_is_ignored_by_git():
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        ["git", "check-ignore", "-q", ".dev-keys/signing-es256.pem"], cwd=root, capture_output=True, check=False
    )
    assert result.returncode == 0


def test_the_keyring_is_cached_per_process(settings):
    use_keys(settings, ("a", "active"))
    assert keyring() is keyring()
