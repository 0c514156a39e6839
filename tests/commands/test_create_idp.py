"""flex_create_idp: each kind, its rules, --json; the app secret is never printed."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from flex_auth_django.models import IdentityProvider

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("flex_create_idp", *args, stdout=out)
    return out.getvalue()


def test_oidc_with_trusted_ids_and_json():
    data = json.loads(
        run(
            "--idp-id", "my-oidc", "--kind", "oidc", "--client-id", "cid", "--trusted-client-id", "a",
            "--trusted-client-id", "b", "--issuer", "https://id.example.com", "--json",
        )
    )  # fmt: skip
    assert data["idp_id"] == "my-oidc" and data["trusted_client_ids"] == ["a", "b"]
    provider = IdentityProvider.objects.get()
    assert provider.client_ids == ["cid", "a", "b"] and provider.issuer == "https://id.example.com"


def test_google_implies_its_issuer_and_keys():
    run("--idp-id", "google", "--kind", "google", "--client-id", "x.apps.googleusercontent.com")
    provider = IdentityProvider.objects.get()
    assert (provider.name, provider.issuer, provider.jwks) == ("Google", "", None)


def test_facebook_needs_its_app_secret_and_never_prints_it():
    with pytest.raises(CommandError, match="app secret"):
        run("--idp-id", "facebook", "--kind", "facebook", "--client-id", "123")
    out = run("--idp-id", "facebook", "--kind", "facebook", "--client-id", "123", "--app-secret", "s3cr3t-value")
    assert "s3cr3t-value" not in out
    assert IdentityProvider.objects.get().app_secret() == "s3cr3t-value"


@pytest.mark.parametrize(
    "args",
    [
        ("--idp-id", "o", "--kind", "oidc", "--client-id", "c"),  # no issuer
        ("--idp-id", "o", "--kind", "oidc", "--client-id", "c", "--issuer", "http://id.example.com"),  # not https
        ("--idp-id", "not a slug", "--kind", "google", "--client-id", "c"),
        ("--idp-id", "g", "--kind", "google", "--client-id", "c", "--issuer", "https://accounts.google.com"),
    ],
)
def test_invalid_providers_are_refused(args):
    with pytest.raises(CommandError):
        run(*args)
    assert not IdentityProvider.objects.exists()


def test_http_issuers_on_loopback_and_a_static_jwks_file(tmp_path):
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{"kty": "RSA", "kid": "k", "n": "AQAB", "e": "AQAB"}]}))
    run(
        "--idp-id",
        "dev",
        "--kind",
        "oidc",
        "--client-id",
        "c",
        "--issuer",
        "http://127.0.0.1:9",
        "--jwks-file",
        str(jwks),
    )
    assert IdentityProvider.objects.get().jwks["keys"][0]["kid"] == "k"
    jwks.write_text("{}")
    with pytest.raises(CommandError):
        run(
            "--idp-id",
            "dev2",
            "--kind",
            "oidc",
            "--client-id",
            "c",
            "--issuer",
            "http://localhost:9",
            "--jwks-file",
            str(jwks),
        )
