"""RFC 8414 metadata, built from the registry and the URLconf."""

import pytest

pytestmark = pytest.mark.django_db


def test_metadata_lists_endpoints_and_every_registered_grant(client):
    response = client.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    body = response.json()
    assert body["issuer"] == "http://testserver"
    assert body["token_endpoint"] == "http://testserver/oauth/token"
    assert body["revocation_endpoint"] == "http://testserver/oauth/revoke"
    assert body["introspection_endpoint"] == "http://testserver/oauth/introspect"
    assert set(body["grant_types_supported"]) == {
        "client_credentials",
        "password",
        "refresh_token",
        "token_exchange",
        "urn:ietf:params:oauth:grant-type:token-exchange",
    }
    assert set(body["scopes_supported"]) == {"public-read", "user", "trusted:user", "integ"}


def test_metadata_is_get_only(client):
    response = client.post("/.well-known/oauth-authorization-server")
    assert response.status_code == 405
    assert response.json()["error"] == "invalid_request"
