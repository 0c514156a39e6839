"""The registry seam: a site adds a grant by listing its class in FLEX_AUTH['GRANT_CLASSES']."""

from __future__ import annotations

import pytest

from flex_auth_django import tokens
from flex_auth_django.grants.base import BaseGrant
from flex_auth_django.models import ApiType, TokenKind
from flex_auth_django.protocol.errors import InvalidRequest
from flex_auth_django.settings import flex_settings

pytestmark = pytest.mark.django_db


class GuestPassGrant(BaseGrant):
    """A made-up grant: an anonymous token in exchange for a guest pass code."""

    grant_types = ("urn:example:guest-pass",)
    issues = {ApiType.MARKETPLACE: TokenKind.ANONYMOUS}

    def validate(self, request, application):
        if request.param("pass_code") != "let-me-in":
            raise InvalidRequest("Missing or wrong pass_code.")
        return application, self.scope_for(request, application)

    def issue(self, request, validated):
        application, scope = validated
        return tokens.issue(application, kind=TokenKind.ANONYMOUS, scope=scope)


@pytest.fixture
def with_guest_pass(settings):
    settings.FLEX_AUTH = {"GRANT_CLASSES": [*flex_settings.defaults["GRANT_CLASSES"], f"{__name__}.GuestPassGrant"]}


def test_added_grant_is_served_and_advertised(with_guest_pass, token_endpoint, marketplace_app, client):
    params = {"client_id": str(marketplace_app.client_id), "grant_type": "urn:example:guest-pass"}
    assert token_endpoint.post(params).json()["error"] == "invalid_request"
    response = token_endpoint.post(params | {"pass_code": "let-me-in"})
    assert response.status_code == 200 and response.json()["scope"] == "public-read"
    assert (
        "urn:example:guest-pass"
        in client.get("/.well-known/oauth-authorization-server").json()["grant_types_supported"]
    )


def test_added_grant_inherits_client_rules(with_guest_pass, token_endpoint, integration_app):
    response = token_endpoint.post(
        {
            "client_id": str(integration_app.client_id),
            "grant_type": "urn:example:guest-pass",
            "client_secret": integration_app.secret,
            "pass_code": "let-me-in",
        }
    )
    assert response.status_code == 400 and response.json()["error"] == "unauthorized_client"


def test_without_the_setting_it_is_unsupported(token_endpoint, marketplace_app):
    response = token_endpoint.post(
        {"client_id": str(marketplace_app.client_id), "grant_type": "urn:example:guest-pass", "pass_code": "let-me-in"}
    )
    assert response.json()["error"] == "unsupported_grant_type"


def test_a_grant_can_be_removed(settings, token_endpoint, marketplace_app, user):
    settings.FLEX_AUTH = {
        "GRANT_CLASSES": [c for c in flex_settings.defaults["GRANT_CLASSES"] if not c.endswith("PasswordGrant")]
    }
    response = token_endpoint.post(
        {"client_id": str(marketplace_app.client_id), "grant_type": "password", "username": user.email, "password": "x"}
    )
    assert response.json()["error"] == "unsupported_grant_type"
