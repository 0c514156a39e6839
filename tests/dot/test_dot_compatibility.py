"""django-oauth-toolkit's own resource protection accepts flex tokens through our server and validator."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.views.generic import ClientProtectedResourceView
from rest_framework.request import Request

from flex_auth_django.dot.server import FlexServer
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
    valid, request = get_oauthlib_core().server.verify_request(
        "http://testserver/", headers={"Authorization": f"Bearer {token.raw}"}, scopes=["integ"]
    )
    assert valid and request.client == token.application
    valid, _ = get_oauthlib_core().server.verify_request(
        "http://testserver/", headers={"Authorization": f"Bearer {token.raw}"}, scopes=["user"]
    )
    assert not valid


def test_dot_builds_our_server():
    assert isinstance(get_oauthlib_core().server, FlexServer)


class _ClientOnly(ClientProtectedResourceView):
    def post(self, request):
        return HttpResponse("ok")


def _client_protected(client_id: str, secret: str, remote_addr: str = "127.0.0.7", **meta: str):
    body = f"client_id={client_id}&client_secret={secret}"
    # DOT reads the credentials from request.POST (or HTTP Basic), so a form POST.
    request = RequestFactory().generic(
        "POST", "/", body, content_type="application/x-www-form-urlencoded", REMOTE_ADDR=remote_addr, **meta
    )
    return _ClientOnly.as_view()(request)


def test_dot_client_protected_view_authenticates_through_our_client_auth(integration_app):
    assert _client_protected(str(integration_app.client_id), integration_app.secret).status_code == 200
    assert _client_protected(str(integration_app.client_id), "flxs_wrong").status_code == 403
    integration_app.is_active = False
    integration_app.save()
    assert _client_protected(str(integration_app.client_id), integration_app.secret).status_code == 403


def test_dot_client_protected_view_wrong_secrets_are_throttled(settings, integration_app, token_endpoint):
    settings.FLEX_AUTH = {"THROTTLE_CLIENT_SECRET": (3, 900)}
    for _ in range(3):
        assert _client_protected(str(integration_app.client_id), "flxs_wrong").status_code == 403
    # The three failures counted for this address: the right secret is now refused from it, there
    # and at the token endpoint; from another address the application works (never per client ID).
    assert _client_protected(str(integration_app.client_id), integration_app.secret).status_code == 403
    body = {
        "grant_type": "client_credentials",
        "client_id": str(integration_app.client_id),
        "client_secret": integration_app.secret,
    }
    assert token_endpoint.post(body, REMOTE_ADDR="127.0.0.7").status_code == 429
    assert token_endpoint.post(body, REMOTE_ADDR="127.0.0.8").status_code == 200
    assert _client_protected(str(integration_app.client_id), integration_app.secret, "127.0.0.8").status_code == 200


def test_dot_client_protected_view_counts_the_forwarded_address_behind_a_proxy(settings, integration_app):
    settings.FLEX_AUTH = {"THROTTLE_CLIENT_SECRET": (2, 900), "NUM_PROXIES": 1}
    client_id = str(integration_app.client_id)
    for n in range(2):  # the client forges the left entry; the proxy at 10.0.0.1 appends the real one
        forwarded = {"HTTP_X_FORWARDED_FOR": f"10.9.9.{n}, 203.0.113.5"}
        assert _client_protected(client_id, "flxs_wrong", "10.0.0.1", **forwarded).status_code == 403
    blocked = {"HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    assert _client_protected(client_id, integration_app.secret, "10.0.0.1", **blocked).status_code == 403
    other = {"HTTP_X_FORWARDED_FOR": "203.0.113.6"}
    assert _client_protected(client_id, integration_app.secret, "10.0.0.1", **other).status_code == 200


def test_dot_token_has_scope_permission_reads_our_token_rows():
    from oauth2_provider.contrib.rest_framework import TokenHasScope
    from rest_framework.response import Response
    from rest_framework.views import APIView

    class Integ(APIView):
        authentication_classes = [OAuth2Authentication]
        permission_classes = [TokenHasScope]
        required_scopes = ["integ"]

        def get(self, request):
            return Response({"ok": True})

    def call(token):
        return Integ.as_view()(RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token.raw}"))

    assert call(AccessTokenFactory(integration=True)).status_code == 200
    assert call(AccessTokenFactory()).status_code == 403  # a user token lacks integ
    assert call(AccessTokenFactory(integration=True, expired=True)).status_code == 401
