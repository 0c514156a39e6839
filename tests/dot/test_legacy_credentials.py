"""Credentials imported from django-oauth-toolkit, at the HTTP level and in the services that check them."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.core import checks
from django.core.management import CommandError, call_command
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from flex_auth_django import applications
from flex_auth_django.dot import refresh_tokens as legacy
from flex_auth_django.dot.checks import check_dot_adoption
from flex_auth_django.models import ApiType, Application, RefreshToken, TokenKind
from flex_auth_django.protocol import client_ids
from flex_auth_django.tokens import digests, lookup
from tests.factories import UserFactory
from tests.helpers import basic

pytestmark = pytest.mark.django_db

DOT_ID = "jMaMlglkQq1CUZON8QTblUJnXrXT1Cxh6utl81vI"  # DOT's generator: 40 letters and digits
DOT_REFRESH = "BRvjoxh8jzIn5VJU1QfgGh2pq0uxD3"  # oauthlib's generate_token: 30


def imported_app(secret_digest: str, *, client_id: str = DOT_ID, api_type: str = ApiType.INTEGRATION) -> Application:
    return Application.objects.create(
        name="Imported", api_type=api_type, legacy_client_id=client_id, client_secret_digest=secret_digest
    )


def imported_session(app: Application, user, raw: str = DOT_REFRESH) -> RefreshToken:
    now = timezone.now()
    return RefreshToken.objects.create(
        digest=legacy.digest_of_checksum(legacy.checksum(raw)),
        application=app,
        user=user,
        kind=TokenKind.USER,
        scope="user",
        family=uuid.uuid4(),
        family_started=now,
        expires=now + timedelta(days=1),
    )


# -- client IDs --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [DOT_ID, "web-shop.v1", "a", "x" * 100, "A~b_c-d.e"])
def test_dot_shaped_client_ids_are_canonical_as_they_are(value):
    assert client_ids.legacy_client_id(value) == value
    assert client_ids.canonical_client_id(value) == value


@pytest.mark.parametrize("value", ["", "x" * 101, "has space", "colon:id", "new\nline", "ünï", "a/b"])
def test_other_strings_are_no_client_id(value):
    assert client_ids.canonical_client_id(value) is None


def test_uuids_stay_canonical_uuids_and_are_never_legacy():
    value = str(uuid.uuid4())
    assert client_ids.canonical_client_id(value.upper()) == value
    assert client_ids.legacy_client_id(value) is None and client_ids.legacy_client_id(value.upper()) is None


def test_a_new_application_is_found_by_its_canonical_uuid_only(marketplace_app):
    assert applications.find(str(marketplace_app.client_id).upper()) == marketplace_app
    assert applications.find(marketplace_app.client_id.hex) is None  # 32 hex digits: not a new app's ID


def test_an_imported_client_id_is_exact(token_endpoint):
    app = imported_app(digests.make("s3cret"))
    assert applications.find(DOT_ID) == app
    assert applications.find(DOT_ID.lower()) is None


def test_a_malformed_client_id_costs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert applications.find("not a client id") is None


def test_introspection_names_the_imported_client_id(introspect_endpoint, token_endpoint):
    app = imported_app(digests.make("s3cret"))
    token = token_endpoint.post(
        {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic(DOT_ID, "s3cret")
    ).json()["access_token"]
    body = introspect_endpoint.post({"token": token}, HTTP_AUTHORIZATION=basic(DOT_ID, "s3cret")).json()
    assert body["active"] is True and body["client_id"] == DOT_ID == app.public_client_id


# -- secrets DOT hashed ------------------------------------------------------------------------


def test_a_dot_hashed_secret_works_then_is_stored_as_our_digest(token_endpoint):
    app = imported_app(make_password("dot-secret-1234"))
    wrong = token_endpoint.post({"grant_type": "client_credentials", "client_id": DOT_ID, "client_secret": "nope"})
    assert wrong.status_code == 401
    app.refresh_from_db()
    assert not app.client_secret_digest.startswith("hmac-sha256$")
    right = {"grant_type": "client_credentials", "client_id": DOT_ID, "client_secret": "dot-secret-1234"}
    assert token_endpoint.post(right).status_code == 200
    app.refresh_from_db()
    assert app.client_secret_digest.startswith("hmac-sha256$") and app.client_secret_last4 == "1234"
    assert digests.verify("dot-secret-1234", app.client_secret_digest)
    assert token_endpoint.post(right).status_code == 200


def test_a_dot_hashed_secret_is_not_accepted_without_a_secret():
    app = imported_app(make_password("dot-secret-1234"))
    assert applications.verify_secret(app, None) is False
    assert applications.verify_secret(app, "") is False


def test_our_digests_are_not_taken_for_dot_hashes():
    from flex_auth_django.dot import secrets as dot_secrets

    assert not dot_secrets.is_dot_hash(digests.make("x"))
    assert not dot_secrets.is_dot_hash("")
    assert not dot_secrets.is_dot_hash("plain text")
    assert dot_secrets.is_dot_hash(make_password("x"))


# -- refresh tokens DOT issued ---------------------------------------------------------------


@pytest.mark.parametrize("raw", ["flxr_short", "flxr_" + "a" * 42 + "!", "flxa_" + "a" * 43, "flx" + "a" * 40])
def test_strings_starting_like_ours_are_refused_before_any_digest_or_query(raw, django_assert_num_queries):
    assert legacy.lookup_value(raw) is None
    with django_assert_num_queries(0):
        assert lookup.find_refresh(raw) is None


@pytest.mark.parametrize("raw", ["short", "has space in it 1234", "x" * 256, "tab\there-1234567890"])
def test_strings_of_neither_shape_cost_no_query(raw, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert lookup.find_refresh(raw) is None


def test_an_imported_refresh_token_rotates_into_ours_and_is_then_retired(token_endpoint):
    user = UserFactory()
    app = imported_app(make_password("x"), client_id="web-shop.v1", api_type=ApiType.MARKETPLACE)
    imported_session(app, user)
    params = {"grant_type": "refresh_token", "client_id": "web-shop.v1", "refresh_token": DOT_REFRESH}
    first = token_endpoint.post(params)
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["refresh_token"].startswith("flxr_") and body["scope"] == "user"
    replay = token_endpoint.post(params).json()  # the grace-period replay, as for ours
    assert (replay["access_token"], replay["refresh_token"]) == (body["access_token"], body["refresh_token"])
    newer = token_endpoint.post(params | {"refresh_token": body["refresh_token"]})
    assert newer.status_code == 200


def test_an_imported_refresh_token_of_another_application_is_invalid_grant(token_endpoint, marketplace_app):
    app = imported_app(make_password("x"), client_id="web-shop.v1", api_type=ApiType.MARKETPLACE)
    imported_session(app, UserFactory())
    response = token_endpoint.post(
        {"grant_type": "refresh_token", "client_id": str(marketplace_app.client_id), "refresh_token": DOT_REFRESH}
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_grant"


def test_logout_with_an_imported_refresh_token_ends_the_session(revoke_endpoint):
    app = imported_app(make_password("x"), client_id="web-shop.v1", api_type=ApiType.MARKETPLACE)
    row = imported_session(app, UserFactory())
    response = revoke_endpoint.post({"token": DOT_REFRESH, "client_id": "web-shop.v1"})
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.revoked is not None


# -- the check and `migrate` on a database DOT migrated ----------------------------------------


@pytest.fixture
def dot_history_without_ours():
    """The django_migrations of a stock DOT database: DOT's first migration applied, ours not."""
    MigrationRecorder.Migration.objects.filter(app="flex_auth_django").delete()
    assert MigrationRecorder.Migration.objects.filter(app="oauth2_provider", name="0001_initial").exists()


def test_the_check_names_the_command(dot_history_without_ours):
    (error,) = check_dot_adoption(None)
    assert error.level == checks.ERROR and error.id == "flex_auth.E013"
    assert "flex_adopt_dot" in error.msg and "flex_adopt_dot" in error.hint


def test_the_check_is_quiet_on_an_adopted_or_fresh_database():
    assert check_dot_adoption(None) == []


def test_migrate_names_the_command_instead_of_inconsistent_history(dot_history_without_ours):
    with pytest.raises(CommandError, match="Run `manage.py flex_adopt_dot`"):
        call_command("migrate", skip_checks=True, verbosity=0)


def test_flex_adopt_dot_on_an_adopted_database_says_there_is_nothing_to_adopt():
    with pytest.raises(CommandError, match="Nothing to adopt"):
        call_command("flex_adopt_dot")
