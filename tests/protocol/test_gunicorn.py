"""What a client sees from a real gunicorn process: the request shapes only a real server produces."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlencode, urlsplit

import pytest

from tests.serving import GunicornSite

pytestmark = pytest.mark.servers


@pytest.fixture
def site(tmp_path):
    with GunicornSite(tmp_path, share_test_database=True) as running:
        running.start()
        yield running


def _connection(site) -> http.client.HTTPConnection:
    url = urlsplit(site.base)
    return http.client.HTTPConnection(url.hostname, url.port, timeout=10)


@pytest.mark.django_db(transaction=True)
def test_a_chunked_body_is_read_not_answered_missing_grant_type(site):
    client_id = json.loads(site.manage("flex_demo", "--json"))["marketplace"]["client_id"]
    body = urlencode({"grant_type": "client_credentials", "client_id": client_id}).encode()
    connection = _connection(site)
    # encode_chunked with no Content-Length: Transfer-Encoding: chunked, the body in two chunks.
    connection.request(
        "POST",
        "/oauth/token",
        body=iter([body[:10], body[10:]]),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        encode_chunked=True,
    )
    response = connection.getresponse()
    payload = json.loads(response.read())
    assert response.status == 200, payload
    assert payload["token_type"] == "bearer" and payload["scope"] == "public-read"


@pytest.mark.django_db(transaction=True)
def test_head_on_the_token_endpoint_is_405_with_allow_and_no_body(site):
    connection = _connection(site)
    connection.request("HEAD", "/oauth/token")
    response = connection.getresponse()
    assert response.status == 405 and response.getheader("Allow") == "POST"
    assert response.read() == b""
