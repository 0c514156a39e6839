"""Migration 0010 re-seals identity-provider secrets sealed by 0.1 under the one key derivation."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from flex_auth_django.idp import secret_box
from flex_auth_django.models import IdentityProvider, IdpKind

pytestmark = pytest.mark.django_db

migration = importlib.import_module("flex_auth_django.migrations.0010_reseal_idp_secrets")


def provider(sealed: str) -> IdentityProvider:
    return IdentityProvider.objects.create(
        idp_id="fb", kind=IdpKind.FACEBOOK, client_id="1234", app_secret_sealed=sealed
    )


def test_a_value_sealed_by_0_1_is_resealed_and_opens(settings):
    old = migration._seal_v1("the-facebook-app-secret")
    assert secret_box.open_sealed(old) is None  # the runtime no longer opens 0.1's values
    row = provider(old)
    migration.reseal(apps, None)
    row.refresh_from_db()
    assert row.app_secret_sealed.startswith("aesgcm2$")
    assert row.app_secret() == "the-facebook-app-secret"
    assert "the-facebook-app-secret" not in row.app_secret_sealed


def test_reverse_seals_it_as_0_1_did():
    row = provider(secret_box.seal("s3cret"))
    migration.unseal(apps, None)
    row.refresh_from_db()
    assert row.app_secret_sealed.startswith("aesgcm1$") and migration._open_v1(row.app_secret_sealed) == "s3cret"


def test_a_value_no_key_opens_is_left_alone(settings):
    old = migration._seal_v1("x")
    settings.SECRET_KEY = "another-key-" + "k7" * 30
    row = provider(old)
    migration.reseal(apps, None)
    row.refresh_from_db()
    assert row.app_secret_sealed == old
