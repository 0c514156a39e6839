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
        "authorization_code",
        "client_credentials",
        "password",
        "refresh_token",
        "token_exchange",
        "urn:ietf:params:oauth:grant-type:token-exchange",
    }
    assert set(body["scopes_supported"]) == {"public-read", "user", "trusted:user", "user:limited", "integ"}
    assert body["code_challenge_methods_supported"] == ["S256"]


def test_metadata_is_get_only(client):
    response = client.post("/.well-known/oauth-authorization-server")
    assert response.status_code == 405
    assert response.json()["error"] == "invalid_request"


def test_with_an_issuer_the_host_header_is_never_reflected(client, settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.FLEX_AUTH = {"ISSUER": "https://auth.example.com/"}
    response = client.get("/.well-known/oauth-authorization-server", HTTP_HOST="evil.example")
    body = response.json()
    assert body["issuer"] == "https://auth.example.com"
    assert body["token_endpoint"] == "https://auth.example.com/oauth/token"
    assert "evil" not in response.content.decode()
    assert response["Cache-Control"] == "public, max-age=3600"


def test_without_an_issuer_the_request_origin_is_not_cached_for_other_hosts(client):
    response = client.get("/.well-known/oauth-authorization-server")
    assert response["Cache-Control"] == "no-cache" and response["Vary"] == "Host"


def test_a_malformed_issuer_is_a_check_error(settings):
    from flex_auth_django.checks.settings import check_flex_settings

    settings.FLEX_AUTH = {"ISSUER": "auth.example.com"}
    assert [m.id for m in check_flex_settings(None)] == ["flex_auth.E012"]


def test_deploy_check_asks_for_an_https_issuer(settings):
    from flex_auth_django.checks.issuer import check_issuer

    assert [m.id for m in check_issuer(None)] == ["flex_auth.E014"]
    settings.FLEX_AUTH = {"ISSUER": "http://auth.example.com"}
    assert [m.id for m in check_issuer(None)] == ["flex_auth.W011"]
    settings.FLEX_AUTH = {"ISSUER": "https://auth.example.com"}
    assert check_issuer(None) == []
