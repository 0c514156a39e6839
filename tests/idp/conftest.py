"""Fixtures of the identity-provider tests: the Marketplace app they sign in to and its anonymous token."""

from __future__ import annotations

import pytest

from tests.factories import ApplicationFactory
from tests.helpers import SDK_TOKEN_URL, Endpoint, client_credentials


@pytest.fixture
def app(db):
    return ApplicationFactory()


@pytest.fixture
def anonymous_token(client, app) -> str:
    """An anonymous token of `app`, as the browser SDK holds before sign-up."""
    response = Endpoint(client, SDK_TOKEN_URL).post(client_credentials(app))
    assert response.status_code == 200, response.content
    return response.json()["access_token"]
