"""FlexTokenAuthentication: what it puts on the request, and its errors through DRF's own handler."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import OperationalError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from flex_auth_django.models import AccessToken, TokenKind
from flex_auth_django.resource.authentication import FlexTokenAuthentication, TokenInvalid
from tests.factories import AccessTokenFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.urls_protected")]


def drf_request(authorization: str | None = None) -> Request:
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization is not None else {}
    return Request(APIRequestFactory().get("/", **headers))


def test_a_user_token_authenticates_its_user_and_exposes_the_token():
    token = AccessTokenFactory()
    user, auth = FlexTokenAuthentication().authenticate(drf_request(f"Bearer {token.raw}"))
    assert user == token.user
    assert isinstance(auth, AccessToken) and auth.pk == token.pk
    assert auth.kind == TokenKind.USER
    assert auth.scopes == ["user"]
    assert auth.application == token.application
    assert auth.expires == token.expires


def test_a_trusted_token_authenticates_its_user():
    token = AccessTokenFactory(trusted=True)
    user, auth = FlexTokenAuthentication().authenticate(drf_request(f"Bearer {token.raw}"))
    assert user == token.user
    assert auth.scopes == ["trusted:user"]


@pytest.mark.parametrize("traits", [{"anonymous": True}, {"integration": True}], ids=["anonymous", "integration"])
def test_tokens_without_a_user_give_anonymous_user(traits):
    token = AccessTokenFactory(**traits)
    user, auth = FlexTokenAuthentication().authenticate(drf_request(f"Bearer {token.raw}"))
    assert isinstance(user, AnonymousUser)
    assert auth.pk == token.pk


@pytest.mark.parametrize("header", [None, "", "Basic dXNlcjpwYXNz", "Token abc", "Bearerflxa_x"])
def test_no_bearer_header_leaves_it_to_other_authenticators(header, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert FlexTokenAuthentication().authenticate(drf_request(header)) is None


@pytest.mark.parametrize("header", ["Bearer", "Bearer  ", "Bearer flxa_nope", "Bearer two words"])
def test_bad_bearer_credentials_are_rejected(header):
    # Including an empty one: the client chose the Bearer scheme, so its token is what failed.
    with pytest.raises(TokenInvalid) as raised:
        FlexTokenAuthentication().authenticate(drf_request(header))
    assert raised.value.status_code == 401
    assert raised.value.detail == {
        "error": "invalid_token",
        "error_description": "The access token is invalid, expired or revoked.",
    }


def test_the_lookup_is_shared_by_everyone_asking_about_one_request(django_assert_num_queries):
    token = AccessTokenFactory()
    request = drf_request(f"Bearer {token.raw}")
    with django_assert_num_queries(1):
        first = FlexTokenAuthentication().authenticate(request)
        second = FlexTokenAuthentication().authenticate(Request(request._request))
    assert first == second


def test_a_dead_token_is_rejected_even_on_an_open_view(client):
    # As DRF's TokenAuthentication does: bad credentials are an error, not anonymity.
    response = client.get("/drf/open", HTTP_AUTHORIZATION="Bearer flxa_" + "x" * 43)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert client.get("/drf/open").status_code == 200


def test_a_401_stays_401_when_another_authenticator_comes_first(client):
    # DRF turns 401 into 403 when the first authenticator (here SessionAuthentication) has no
    # challenge; the SDKs refresh only on 401, so ours keeps its status and challenge.
    response = client.get("/drf/session-first", HTTP_AUTHORIZATION="Bearer flxa_" + "x" * 43)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    response = client.get("/drf/session-first")
    assert response.status_code == 401
    assert response.json()["error"] == "missing_token"


def test_a_database_outage_is_503_json_not_500(client):
    with mock.patch("flex_auth_django.tokens.live_access", side_effect=OperationalError("down")):
        response = client.get("/v1/api/current_user/show", HTTP_AUTHORIZATION="Bearer flxa_" + "x" * 43)
    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"
    assert response["Retry-After"] == "5"
