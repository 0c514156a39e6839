"""django-oauth-toolkit's own resource protection accepts flex tokens through our server and validator."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework.request import Request

from flex_auth_django.server import get_server
from tests.factories import AccessTokenFactory

pytestmark = pytest.mark.django_db


def authenticate(token: str):
    request = Request(RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}"))
    return OAuth2Authentication().authenticate(request)


def test_dot_oauth2_authentication_accepts_a_live_flex_token():
    token = AccessTokenFactory()
    user, auth = authenticate(token.raw)
    assert user == token.user
    assert auth == token


@pytest.mark.parametrize("trait", ["expired", "revoked_now"])
def test_dot_oauth2_authentication_refuses_dead_tokens(trait):
    token = AccessTokenFactory(**{trait: True})
    assert authenticate(token.raw) is None


def test_dot_scope_checks_use_the_token_scopes():
    token = AccessTokenFactory(integration=True)
    valid, request = get_server().verify_request(
        "http://testserver/", headers={"Authorization": f"Bearer {token.raw}"}, scopes=["integ"]
    )
    assert valid and request.client == token.application
    valid, _ = get_server().verify_request(
        "http://testserver/", headers={"Authorization": f"Bearer {token.raw}"}, scopes=["user"]
    )
    assert not valid
