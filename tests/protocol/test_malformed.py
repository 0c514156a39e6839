"""A table of malformed requests to the token endpoint: each gets a JSON error, never a 5xx (spec: Requests, Errors)."""

from __future__ import annotations

import pytest

from tests.helpers import TOKEN_URL, basic

pytestmark = pytest.mark.django_db

DOCUMENTED = {
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "too_many_requests",
    "temporarily_unavailable",
}


def assert_error(response, status, error, mentions=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == error and error in DOCUMENTED
    assert body["error_description"].isascii() and body["error_description"]
    if mentions:
        assert mentions in body["error_description"]


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete", "options"])
def test_other_methods_are_405_with_json(client, method):
    response = getattr(client, method)(TOKEN_URL)
    assert_error(response, 405, "invalid_request")
    assert response["Allow"] == "POST"


def test_head_is_405(client):
    response = client.head(TOKEN_URL)
    assert response.status_code == 405
    assert response["Allow"] == "POST"


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "text/plain", "multipart/form-data; boundary=x", "", "application/x-www-form-urlencodedx"],
)
def test_other_content_types_are_invalid_request_naming_the_expected_type(
    token_endpoint, marketplace_app, content_type
):
    body = f"grant_type=client_credentials&client_id={marketplace_app.client_id}"
    response = token_endpoint.post(body=body, content_type=content_type)
    assert_error(response, 400, "invalid_request", "application/x-www-form-urlencoded")


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded; charset=UTF-8", "Application/X-WWW-Form-Urlencoded;charset=utf-8"],
)
def test_form_content_type_with_utf8_charset_is_fine(token_endpoint, marketplace_app, content_type):
    body = f"grant_type=client_credentials&client_id={marketplace_app.client_id}"
    assert token_endpoint.post(body=body, content_type=content_type).status_code == 200


def test_other_charsets_are_refused(token_endpoint, marketplace_app):
    body = f"grant_type=client_credentials&client_id={marketplace_app.client_id}"
    response = token_endpoint.post(body=body, content_type="application/x-www-form-urlencoded; charset=latin-1")
    assert_error(response, 400, "invalid_request", "UTF-8")


@pytest.mark.parametrize("duplicated", ["grant_type", "client_id", "scope", "username", "password", "client_secret"])
def test_any_duplicated_parameter_is_invalid_request(token_endpoint, marketplace_app, user, duplicated):
    params = {
        "grant_type": "password",
        "client_id": str(marketplace_app.client_id),
        "scope": "user",
        "username": user.email,
        "password": "x",
        "client_secret": marketplace_app.secret,
    }
    body = "&".join(f"{k}={v}" for k, v in params.items()) + f"&{duplicated}={params[duplicated]}"
    response = token_endpoint.post(body=body)
    assert_error(response, 400, "invalid_request", duplicated)


def test_duplicated_grant_type_with_the_same_value_is_refused(token_endpoint, marketplace_app):
    body = f"grant_type=client_credentials&grant_type=client_credentials&client_id={marketplace_app.client_id}"
    assert_error(token_endpoint.post(body=body), 400, "invalid_request")


def test_query_string_parameters_are_refused(client, marketplace_app):
    response = client.generic(
        "POST",
        f"{TOKEN_URL}?client_secret=x",
        f"grant_type=client_credentials&client_id={marketplace_app.client_id}",
        content_type="application/x-www-form-urlencoded",
    )
    assert_error(response, 400, "invalid_request", "query")


def test_basic_and_body_credentials_together_are_refused(token_endpoint, integration_app):
    response = token_endpoint.post(
        {"grant_type": "client_credentials", "client_id": str(integration_app.client_id)},
        HTTP_AUTHORIZATION=basic(integration_app.client_id, integration_app.secret),
    )
    assert_error(response, 400, "invalid_request", "not both")


@pytest.mark.parametrize("header", ["Basic !!!notbase64", "Basic " + "bm9jb2xvbg==", "Basic ", "Basic //79"])
def test_malformed_basic_is_invalid_client_with_basic_challenge(token_endpoint, header):
    response = token_endpoint.post({"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=header)
    assert_error(response, 401, "invalid_client")
    assert response["WWW-Authenticate"].startswith("Basic")


def test_basic_with_form_encoded_parts_is_decoded(token_endpoint, integration_app):
    """RFC 6749 2.3.1: id and secret are form-urlencoded before base64."""
    secret = integration_app.secret.replace("-", "%2D")
    response = token_endpoint.post(
        {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic(integration_app.client_id, secret)
    )
    assert response.status_code == 200


def test_missing_grant_type_is_invalid_request(token_endpoint, marketplace_app):
    response = token_endpoint.post({"client_id": str(marketplace_app.client_id)})
    assert_error(response, 400, "invalid_request", "grant_type")


@pytest.mark.parametrize(
    "grant_type",
    [
        "AUTHORIZATION_CODE",  # authorization_code itself is served (Login as user); names are exact
        "implicit",
        "urn:ietf:params:oauth:grant-type:device_code",
        "undefined",
        "PASSWORD",
        "client_credentials ",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
    ],
)
def test_unknown_grant_types_are_unsupported(token_endpoint, marketplace_app, grant_type):
    response = token_endpoint.post({"client_id": str(marketplace_app.client_id), "grant_type": grant_type})
    assert_error(response, 400, "unsupported_grant_type")


def test_unsupported_grant_type_comes_before_client_authentication(token_endpoint):
    response = token_endpoint.post({"client_id": "nope", "grant_type": "implicit"})
    assert_error(response, 400, "unsupported_grant_type")


@pytest.mark.parametrize(
    "body",
    [
        "grant_type=password&username=a%00b&password=x&client_id=0",
        "grant_type=client_credentials&client_id=%00",
        "grant_type=password&username=%FF%FE&password=x&client_id=0",
        b"grant_type=password&username=\xff&password=x",
    ],
    ids=["nul in value", "nul alone", "invalid utf-8 escapes", "raw invalid utf-8"],
)
def test_nul_bytes_and_invalid_utf8_are_invalid_request(token_endpoint, body):
    assert_error(token_endpoint.post(body=body), 400, "invalid_request")


def test_overlong_parameter_is_invalid_request(token_endpoint, marketplace_app):
    response = token_endpoint.post(
        {"client_id": str(marketplace_app.client_id), "grant_type": "password", "username": "a" * 5000, "password": "x"}
    )
    assert_error(response, 400, "invalid_request", "too long")


def test_huge_body_is_invalid_request(token_endpoint):
    assert_error(token_endpoint.post(body="a=" + "b" * 20000), 400, "invalid_request", "larger")


def test_too_many_fields_is_invalid_request(token_endpoint):
    assert_error(token_endpoint.post(body="&".join(f"f{i}=1" for i in range(200))), 400, "invalid_request")


def test_unknown_parameters_are_ignored(token_endpoint, marketplace_app):
    """RFC 6749 3.2: the server MUST ignore unrecognised parameters."""
    response = token_endpoint.post(
        {
            "client_id": str(marketplace_app.client_id),
            "grant_type": "client_credentials",
            "client": "x",
            "user": "y",
            "scopes": "z",
            "extra_credentials": "w",
        }
    )
    assert response.status_code == 200
    assert response.json()["scope"] == "public-read"


@pytest.mark.parametrize("value", ["undefined", "null", "", " ", "%", "+", "\t"])
def test_odd_client_ids_are_invalid_client(token_endpoint, value):
    response = token_endpoint.post({"client_id": value, "grant_type": "client_credentials"})
    assert_error(response, 401, "invalid_client")


def test_trailing_slash_path_also_works(client, marketplace_app):
    response = client.post(
        f"{TOKEN_URL}/",
        f"grant_type=client_credentials&client_id={marketplace_app.client_id}",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
