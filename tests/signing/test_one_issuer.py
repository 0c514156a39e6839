"""One issuer (spec, "Token formats and signing keys"): the metadata's `issuer`, every signed token's `iss`
and introspection's `iss` are the same string, with FLEX_AUTH['ISSUER'] and without it (development)."""

from __future__ import annotations

import jwt
import pytest

from flex_auth_django.checks.issuer import check_issuer
from flex_auth_django.tokens import issuer
from tests.helpers import FORM, INTROSPECT_URL, TOKEN_URL

pytestmark = pytest.mark.django_db

METADATA = "/.well-known/oauth-authorization-server"


def _post(client, url: str, host: str, **params: str):
    from urllib.parse import urlencode

    return client.generic("POST", url, urlencode(params), content_type=FORM, HTTP_HOST=host)


def _anonymous(client, app, host: str) -> str:
    response = _post(client, TOKEN_URL, host, grant_type="client_credentials", client_id=str(app.client_id))
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


@pytest.mark.parametrize("host", ["testserver", "127.0.0.1:8123", "localhost:8000"])
def test_without_an_issuer_metadata_and_tokens_name_the_origin_called(client, marketplace_app, integration_app, host):
    published = client.get(METADATA, HTTP_HOST=host).json()["issuer"]
    assert published == f"http://{host}"
    raw = _anonymous(client, marketplace_app, host)
    claims = jwt.decode(raw, options={"verify_signature": False})
    assert claims["iss"] == published and claims["aud"] == f"{published}/marketplace-api"
    # The token works at this site's own resource side and its introspection says the same issuer.
    response = _post(
        client,
        INTROSPECT_URL,
        host,
        token=raw,
        client_id=str(integration_app.client_id),
        client_secret=integration_app.secret,
    )
    assert response.status_code == 200
    assert response.json()["active"] is False  # another application's token, not privileged
    response = _post(
        client,
        INTROSPECT_URL,
        host,
        token=raw,
        client_id=str(marketplace_app.client_id),
        client_secret=marketplace_app.secret,
    )
    assert response.json()["active"] is True and response.json()["iss"] == published


def test_with_an_issuer_every_host_is_told_it(client, settings, marketplace_app):
    settings.FLEX_AUTH = {**settings.FLEX_AUTH, "ISSUER": "https://auth.example.com"}
    assert client.get(METADATA, HTTP_HOST="127.0.0.1:8123").json()["issuer"] == "https://auth.example.com"
    claims = jwt.decode(_anonymous(client, marketplace_app, "127.0.0.1:8123"), options={"verify_signature": False})
    assert claims["iss"] == "https://auth.example.com"
    assert claims["aud"] == "https://auth.example.com/marketplace-api"


def test_opaque_tokens_are_introspected_with_the_issuer_called(client, all_opaque, marketplace_app):
    raw = _anonymous(client, marketplace_app, "127.0.0.1:9000")
    response = _post(
        client,
        INTROSPECT_URL,
        "127.0.0.1:9000",
        token=raw,
        client_id=str(marketplace_app.client_id),
        client_secret=marketplace_app.secret,
    )
    assert response.json()["iss"] == "http://127.0.0.1:9000"


@pytest.mark.parametrize(
    "iss",
    [
        "http://testserver",
        "https://127.0.0.1:8123",
        "http://localhost",
        "http://[::1]:80",
    ],
)
def test_without_an_issuer_the_origins_of_allowed_hosts_are_accepted(iss):
    assert issuer.accepts(iss)


@pytest.mark.parametrize(
    "iss",
    [
        "http://evil.example.com",
        "http://testserver/",
        "http://testserver/oauth",
        "ftp://testserver",
        "http://user@testserver",
        "http://testserver?x",
        "http://testserver:99999",
        "urn:flex-auth-django:development",
        "",
        None,
        42,
    ],
)
def test_without_an_issuer_anything_else_is_refused(iss):
    assert not issuer.accepts(iss)


def test_with_an_issuer_only_it_is_accepted(settings):
    settings.FLEX_AUTH = {"ISSUER": "https://auth.example.com"}
    assert issuer.accepts("https://auth.example.com")
    assert not issuer.accepts("http://testserver")
    assert not issuer.accepts("https://auth.example.com/")


def test_a_token_of_a_host_no_longer_allowed_is_refused(client, settings, marketplace_app):
    from flex_auth_django.tokens.formats import signed

    raw = _anonymous(client, marketplace_app, "127.0.0.1:8123")
    assert signed.verify(raw) is not None
    settings.ALLOWED_HOSTS = ["testserver"]
    signed._forget_verified()  # what a process started with the new settings has
    assert signed.verify(raw) is None


def test_deploy_check_is_an_error_without_an_issuer(settings):
    assert [m.id for m in check_issuer(None)] == ["flex_auth.E014"]
    settings.FLEX_AUTH = {"ISSUER": "http://auth.example.com"}
    assert [m.id for m in check_issuer(None)] == ["flex_auth.W011"]
    settings.FLEX_AUTH = {"ISSUER": "https://auth.example.com"}
    assert check_issuer(None) == []
