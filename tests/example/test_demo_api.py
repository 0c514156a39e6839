"""The example site's demo API: Sharetribe-shaped bodies, JSON by default and Transit for the SDKs."""

from __future__ import annotations

import json

import pytest

from example_project.demo_api.views import MARKETPLACE_ID
from tests.factories import AccessTokenFactory, UserFactory
from tests.helpers import bearer

pytestmark = pytest.mark.django_db

TRANSIT = "application/transit+json"


def test_marketplace_show_in_json(client):
    response = client.get("/v1/api/marketplace/show", **bearer(AccessTokenFactory(anonymous=True)))
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "data": {"id": str(MARKETPLACE_ID), "type": "marketplace", "attributes": {"name": "Example marketplace"}}
    }


def test_the_sdks_accept_header_gets_transit(client):
    # What both SDKs send on every API call (sdk.js createHeaders).
    token = AccessTokenFactory(integration=True)
    response = client.get("/v1/integration_api/marketplace/show", **bearer(token, HTTP_ACCEPT=TRANSIT))
    assert response.status_code == 200
    assert response["Content-Type"] == f"{TRANSIT}; charset=utf-8"
    assert json.loads(response.content) == [
        "^ ",
        "~:data",
        [
            "^ ",
            "~:id",
            f"~u{MARKETPLACE_ID}",
            "~:type",
            "~:marketplace",
            "~:attributes",
            ["^ ", "~:name", "Example marketplace"],
        ],
    ]


def test_transit_verbose_header_gets_verbose_transit(client):
    token = AccessTokenFactory(anonymous=True)
    response = client.get(
        "/v1/api/marketplace/show", **bearer(token, HTTP_ACCEPT=TRANSIT, HTTP_X_TRANSIT_VERBOSE="true")
    )
    assert json.loads(response.content)["~:data"]["~:id"] == f"~u{MARKETPLACE_ID}"


def test_errors_follow_the_negotiated_format(client):
    # The SDKs decode a Transit error body into an object (err.data.error); curl gets JSON.
    response = client.get("/v1/api/current_user/show", HTTP_ACCEPT=TRANSIT)
    assert response.status_code == 401
    assert json.loads(response.content)[:3] == ["^ ", "~:error", "missing_token"]
    assert response["WWW-Authenticate"] == 'Bearer realm="flex-auth"'


def test_current_user_show(client):
    user = UserFactory(first_name="Ada", last_name="Lovelace")
    body = client.get("/v1/api/current_user/show", **bearer(AccessTokenFactory(user=user))).json()["data"]
    assert body["type"] == "currentUser"
    assert body["id"] == f"00000000-0000-0000-0000-{user.pk:012x}"
    assert body["attributes"]["email"] == user.email
    assert body["attributes"]["profile"]["displayName"] == "Ada Lovelace"
    assert body["attributes"]["profile"]["abbreviatedName"] == "AL"


def test_privileged_operation_reports_who_and_which_app(client):
    token = AccessTokenFactory(trusted=True)
    body = client.post("/v1/api/demo/privileged", **bearer(token)).json()["data"]
    assert body["attributes"]["clientId"] == str(token.application.client_id)
    assert body["attributes"]["performedFor"] == f"00000000-0000-0000-0000-{token.user.pk:012x}"


def test_an_unsupported_method_is_json_405(client):
    response = client.delete("/v1/api/marketplace/show", **bearer(AccessTokenFactory(anonymous=True)))
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("parser", ["JSONParser", "TransitParser"])
def test_a_body_nested_deeper_than_python_recurses_is_a_parse_error_not_a_500(parser):
    import io

    from rest_framework.exceptions import ParseError

    from example_project.demo_api import parsers

    deep = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(ParseError):
        getattr(parsers, parser)().parse(io.BytesIO(deep))


def test_the_default_json_parser_is_the_safe_one(settings):
    from rest_framework.settings import api_settings

    assert api_settings.DEFAULT_PARSER_CLASSES[0].__module__ == "example_project.demo_api.parsers"
