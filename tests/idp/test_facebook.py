"""auth_with_idp with Facebook user access tokens, verified through a local fake of Graph's debug_token."""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest
from django.db import connection

from flex_auth_django.models import IdentityLink, IdentityProvider, IdpKind
from tests.factories import ApplicationFactory
from tests.helpers import Endpoint
from tests.idp_fixtures import IDP_URL, idp_params

pytestmark = pytest.mark.django_db

APP_ID = "1234567890"
REFUSED = {"error": "invalid_grant", "error_description": "The identity provider token was not accepted."}


@pytest.fixture
def facebook(db, local_idp, settings):
    settings.FLEX_AUTH = {"IDP_FACEBOOK_GRAPH_URL": local_idp.graph_url}
    provider = IdentityProvider(idp_id="facebook", name="Facebook", kind=IdpKind.FACEBOOK, client_id=APP_ID)
    provider.set_app_secret(local_idp.app_secret)
    provider.full_clean()
    provider.save()
    return provider


@pytest.fixture
def post(client):
    app = ApplicationFactory()
    endpoint = Endpoint(client, IDP_URL)
    return lambda provider, token: endpoint.post(idp_params(app, provider, token))


def test_a_valid_token_for_our_app_links_a_verified_user(post, facebook, local_idp, verified_user):
    user = verified_user()
    token = local_idp.facebook_token(user_id="fb-1", app_id=APP_ID, email=user.email)
    response = post(facebook, token)
    assert response.status_code == 200, response.content
    assert response.json()["scope"] == "user" and response.json()["refresh_token"]
    assert IdentityLink.objects.get().subject == "fb-1"
    debug, me = local_idp.graph_requests
    assert debug["input_token"] == [token] and debug["access_token"] == [f"{APP_ID}|{local_idp.app_secret}"]
    proof = hmac.new(local_idp.app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()
    assert me["appsecret_proof"] == [proof]


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"is_valid": False}, id="not-valid"),
        pytest.param({"app_id": "999"}, id="another-app"),
        pytest.param({"expires_at": int(time.time()) - 10}, id="expired"),
        pytest.param({"expires_at": 0}, id="no-expiry"),
        pytest.param({"type": "PAGE"}, id="page-token"),
    ],
)
def test_tokens_graph_does_not_vouch_for_are_refused(post, facebook, local_idp, verified_user, fields):
    user = verified_user()
    token = local_idp.facebook_token(**{"user_id": "fb-2", "app_id": APP_ID, "email": user.email, **fields})
    response = post(facebook, token)
    assert (response.status_code, response.json()) == (401, REFUSED)


@pytest.mark.parametrize("token", ["unknown-token", "undefined", "x" * 2000, "bad token with spaces\n"])
def test_unknown_and_malformed_tokens_are_refused(post, facebook, local_idp, token):
    response = post(facebook, token)
    assert (response.status_code, response.json()) == (401, REFUSED)


def test_a_wrong_app_secret_is_refused_by_graph(post, facebook, local_idp, verified_user):
    facebook.set_app_secret("not-the-secret")
    facebook.save()
    token = local_idp.facebook_token(user_id="fb-3", app_id=APP_ID, email=verified_user().email)
    assert post(facebook, token).status_code == 401


def test_graph_down_is_503(post, facebook, local_idp, verified_user):
    token = local_idp.facebook_token(user_id="fb-4", app_id=APP_ID, email=verified_user().email)
    local_idp.outage = True
    response = post(facebook, token)
    assert response.status_code == 503 and response.json()["error"] == "temporarily_unavailable"


def test_graph_emails_can_be_declared_unverified(post, facebook, local_idp, verified_user, settings):
    settings.FLEX_AUTH = {**settings.FLEX_AUTH, "IDP_FACEBOOK_EMAILS_VERIFIED": False}
    token = local_idp.facebook_token(user_id="fb-5", app_id=APP_ID, email=verified_user().email)
    assert post(facebook, token).status_code == 401


def test_the_app_secret_is_not_in_clear_in_the_database(facebook, local_idp):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {IdentityProvider._meta.db_table}")
        dump = repr(cursor.fetchall())
    assert local_idp.app_secret not in dump
    assert IdentityProvider.objects.get().app_secret() == local_idp.app_secret


def test_a_secret_sealed_under_a_retired_secret_key_still_opens(facebook, local_idp, settings):
    old = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-secret-key-" + "x" * 40, [old]
    assert IdentityProvider.objects.get().app_secret() == local_idp.app_secret
    settings.SECRET_KEY_FALLBACKS = []
    assert IdentityProvider.objects.get().app_secret() is None
