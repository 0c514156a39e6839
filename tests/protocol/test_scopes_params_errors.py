"""scopes.resolve, strict form parsing, client credential extraction and error rendering."""

from __future__ import annotations

import json

import pytest
from django.test import RequestFactory

from flex_auth_django.protocol import client_auth, errors
from flex_auth_django.protocol.form import parse_form
from flex_auth_django.tokens import scopes


@pytest.mark.parametrize("requested", [None, "", "  ", "user", " user ", "user  "])
def test_resolve_defaults_or_accepts_the_one_scope(requested):
    assert scopes.resolve(requested, "user") == "user"


@pytest.mark.parametrize("requested", ["public-read", "user public-read", "USER", "user\tx"])
def test_resolve_refuses_anything_else(requested):
    with pytest.raises(errors.InvalidScope):
        scopes.resolve(requested, "user")


def _request(body, content_type="application/x-www-form-urlencoded"):
    return RequestFactory().generic("POST", "/oauth/token", body, content_type=content_type)


def test_parse_form_returns_each_parameter_once():
    assert parse_form(_request("a=1&b=two%20words&c=")) == {"a": "1", "b": "two words", "c": ""}


def test_parse_form_decodes_plus_as_space():
    assert parse_form(_request("a=x+y")) == {"a": "x y"}


@pytest.mark.parametrize("body", ["a=1&a=2", "a=1&a=1", "a=&a="])
def test_parse_form_refuses_duplicates(body):
    with pytest.raises(errors.InvalidRequest, match="more than once"):
        parse_form(_request(body))


def test_extract_prefers_nothing_and_refuses_both():
    with pytest.raises(errors.InvalidRequest):
        client_auth.extract("Basic eDp5", {"client_id": "x"})
    assert client_auth.extract("Basic eDp5", {}) == client_auth.ClientCredentials("x", "y", True)
    assert client_auth.extract("Bearer t", {"client_id": "a"}) == client_auth.ClientCredentials("a", None, False)


def test_errors_render_rfc_json_with_no_store():
    response = errors.InvalidClient("nope", basic_challenge=True).to_response()
    assert response.status_code == 401
    assert json.loads(response.content) == {"error": "invalid_client", "error_description": "nope"}
    assert response["Cache-Control"] == "no-store" and response["Pragma"] == "no-cache"
    assert response["WWW-Authenticate"] == 'Basic realm="flex-auth"'


def test_too_many_requests_carries_retry_after():
    response = errors.TooManyRequests(retry_after=42).to_response()
    assert response.status_code == 429 and response["Retry-After"] == "42"


def test_temporarily_unavailable_is_503_with_retry_after():
    response = errors.TemporarilyUnavailable().to_response()
    assert response.status_code == 503 and int(response["Retry-After"]) > 0


def test_invalid_grant_status_is_read_at_call_time(settings):
    assert errors.InvalidGrant().status_code == 401
    settings.FLEX_AUTH = {"INVALID_GRANT_STATUS": 400}
    assert errors.InvalidGrant().status_code == 400
