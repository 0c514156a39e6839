"""The OpenAPI document the site serves next to the endpoints, and the methods the endpoints refuse."""

from __future__ import annotations

import pytest
from schemathesis.specs.openapi.definitions import OPENAPI_30_VALIDATOR

from flex_auth_django.protocol import errors, openapi
from flex_auth_django.settings import flex_settings

pytestmark = pytest.mark.django_db

ENDPOINTS = ["/oauth/token", "/oauth/revoke", "/oauth/introspect", "/v1/auth/token", "/v1/auth/revoke"]


def error_codes(document: dict, path: str, status: str) -> set[str]:
    schema = document["paths"][path]["post"]["responses"][status]["content"]["application/json"]["schema"]
    return set(schema["properties"]["error"]["enum"])


@pytest.mark.parametrize("mount", ["/oauth", "/v1/auth"])
def test_served_next_to_the_endpoints_it_describes(client, mount):
    response = client.get(f"{mount}/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    document = response.json()
    assert document == openapi.document(server_url=mount)
    assert document["servers"] == [{"url": mount}]
    assert set(document["paths"]) == {"/token", "/auth_with_idp", "/revoke", "/introspect"}


def test_it_is_a_valid_openapi_3_document():
    document = openapi.document("/oauth")
    problems = [str(error) for error in OPENAPI_30_VALIDATOR.iter_errors(document)]
    assert problems == []
    assert document["openapi"].startswith("3.")


def test_every_error_code_the_package_defines_is_documented_somewhere():
    document = openapi.document("/oauth")
    documented = set()
    for path in document["paths"]:
        for status in ("400", "401", "429", "503"):
            documented |= error_codes(document, path, status)
    endpoint_errors = {
        cls.error
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.OAuthError) and cls not in (errors.OAuthError,)
    }
    # insufficient_scope and missing_token are for resource servers (the DRF and Django
    # protection classes), server_error is a bug.
    assert endpoint_errors - documented == {"insufficient_scope", "missing_token", "server_error"}


def test_grant_types_come_from_the_registry(settings):
    document = openapi.document("/oauth")
    grant_types = set()
    for ref in document["components"]["schemas"]["TokenRequest"]["oneOf"]:
        name = ref["$ref"].rsplit("/", 1)[1]
        grant_types |= set(document["components"]["schemas"][name]["properties"]["grant_type"]["enum"])
    assert grant_types == {
        "authorization_code",
        "client_credentials",
        "password",
        "refresh_token",
        "token_exchange",
        "urn:ietf:params:oauth:grant-type:token-exchange",
    }
    settings.FLEX_AUTH = {"GRANT_CLASSES": ["flex_auth_django.grants.client_credentials.ClientCredentialsGrant"]}
    schemas = openapi.document("/oauth")["components"]["schemas"]
    only = [ref["$ref"] for ref in schemas["TokenRequest"]["oneOf"]]
    assert only == ["#/components/schemas/ClientCredentialsRequest"]


def test_invalid_grant_is_documented_under_its_configured_status(settings):
    document = openapi.document("/oauth")
    assert "invalid_grant" in error_codes(document, "/token", "401")
    assert "invalid_grant" not in error_codes(document, "/token", "400")
    settings.FLEX_AUTH = {"INVALID_GRANT_STATUS": 400}
    assert flex_settings.INVALID_GRANT_STATUS == 400
    document = openapi.document("/oauth")
    assert "invalid_grant" in error_codes(document, "/token", "400")
    assert "invalid_grant" not in error_codes(document, "/token", "401")


def test_throttling_and_outages_promise_retry_after():
    document = openapi.document("/oauth")
    for path in document["paths"].values():
        for status in ("429", "503"):
            assert path["post"]["responses"][status]["headers"]["Retry-After"]["required"] is True


@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "HEAD"])
def test_other_methods_are_405_json_with_allow(client, url, method):
    response = client.generic(method, url)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response["Content-Type"] == "application/json"
    if method != "HEAD":
        assert response.json()["error"] == "invalid_request"


def test_the_document_refuses_post(client):
    response = client.post("/oauth/openapi.json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
