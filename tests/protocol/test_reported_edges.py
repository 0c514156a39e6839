"""Small things a user hit (issue 14, part 6), each as the client saw it."""

from __future__ import annotations

import io
import json
from urllib.parse import urlencode

import pytest
from django.test import RequestFactory

from flex_auth_django.protocol import client_auth
from flex_auth_django.views import MetadataView, TokenView
from tests.helpers import TOKEN_URL

pytestmark = pytest.mark.django_db


def test_head_on_the_token_endpoint_is_a_405_without_a_body():
    # The test client drops HEAD bodies itself (as runserver and gunicorn do); wsgiref and
    # others do not, so the view must not produce one.
    response = TokenView.as_view()(RequestFactory().head(TOKEN_URL))
    assert response.status_code == 405
    assert response["Allow"] == "POST" and response["Cache-Control"] == "no-store"
    assert response.content == b""


def test_head_on_the_metadata_keeps_its_headers_and_drops_the_body():
    response = MetadataView.as_view()(RequestFactory().head("/.well-known/oauth-authorization-server"))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.content == b""


def test_unauthorized_client_message_uses_the_right_article(token_endpoint, integration_app, user):
    response = token_endpoint.post(
        {"client_id": str(integration_app.client_id), "client_secret": integration_app.secret}
        | {"grant_type": "password", "username": user.email, "password": "x"}
    )
    assert response.json()["error_description"] == "An Integration API application may not use this grant type."


@pytest.mark.parametrize(
    ("noun", "expected"), [("Marketplace API", "A Marketplace API"), ("Integration API", "An Integration API")]
)
def test_article_follows_the_first_letter(noun, expected):
    assert client_auth._with_article(noun) == expected


def test_introspect_without_a_secret_names_introspection(introspect_endpoint, integration_app):
    response = introspect_endpoint.post({"token": "x", "client_id": str(integration_app.client_id)})
    assert response.status_code == 401 and response.json() == {
        "error": "invalid_client",
        "error_description": "Introspection requires the client secret.",
    }


def test_test_client_posting_a_dict_is_told_to_send_form_urlencoded(client, marketplace_app):
    # Django's test client sends a dict as multipart/form-data.
    response = client.post(TOKEN_URL, {"grant_type": "client_credentials", "client_id": str(marketplace_app.client_id)})
    assert response.status_code == 400
    description = response.json()["error_description"]
    assert "multipart/form-data" in description
    assert "form-urlencoded (Content-Type: application/x-www-form-urlencoded)" in description


def test_no_content_type_is_named(client):
    response = client.generic("POST", TOKEN_URL, b"grant_type=client_credentials", content_type="")
    assert response.status_code == 400
    assert response.json()["error_description"].startswith("The request has no Content-Type;")


def _chunked(body: bytes, *, terminated: bool):
    request = RequestFactory().generic(
        "POST", TOKEN_URL, b"", content_type="application/x-www-form-urlencoded", HTTP_TRANSFER_ENCODING="chunked"
    )
    request.META.pop("CONTENT_LENGTH", None)
    request.META["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    request.META["wsgi.input"] = io.BytesIO(body)
    if terminated:
        request.META["wsgi.input_terminated"] = True
    return request


def test_a_chunked_body_on_a_server_that_cannot_end_it_is_411_not_missing_grant_type():
    response = TokenView.as_view()(_chunked(b"grant_type=client_credentials", terminated=False))
    assert response.status_code == 411
    assert "Content-Length" in json.loads(response.content)["error_description"]


def test_a_chunked_body_on_a_server_that_decodes_it_is_read(marketplace_app):
    body = urlencode({"grant_type": "client_credentials", "client_id": str(marketplace_app.client_id)}).encode()
    response = TokenView.as_view()(_chunked(body, terminated=True))
    assert response.status_code == 200, response.content


def test_a_chunked_body_over_the_limit_is_refused(settings):
    settings.FLEX_AUTH = {"MAX_BODY_BYTES": 1024}
    response = TokenView.as_view()(_chunked(b"a=" + b"x" * 2000, terminated=True))
    assert response.status_code == 400
    assert "larger than 1024 bytes" in json.loads(response.content)["error_description"]
