"""Fixtures for identity-provider login: the local provider, configured IdPs, the endpoint, verified users."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from flex_auth_django.idp.documents import document_cache
from flex_auth_django.idp.verified_email import mark_verified
from flex_auth_django.models import IdentityProvider, IdpKind
from tests.factories import UserFactory
from tests.idp_provider import CLIENT_ID, LocalProvider, new_key

IDP_URL = "/v1/auth/auth_with_idp"


@pytest.fixture(scope="session")
def idp_server() -> Iterator[LocalProvider]:
    server = LocalProvider([new_key() for _ in range(3)])
    yield server
    server.stop()


@pytest.fixture
def local_idp(idp_server) -> Iterator[LocalProvider]:
    """The local provider, reset (one key, no outage, no hits), with an empty key cache."""
    idp_server.reset()
    document_cache.clear()
    yield idp_server
    document_cache.clear()


@pytest.fixture
def oidc_idp(db, local_idp) -> IdentityProvider:
    return IdentityProvider.objects.create(
        idp_id="local-oidc", name="Local OIDC", kind=IdpKind.OIDC, client_id=CLIENT_ID, issuer=local_idp.issuer
    )


@pytest.fixture
def verified_user(db):
    """A user whose email the site has verified (the default hook's VerifiedEmail row)."""

    def make(**fields):
        user = UserFactory(**fields)
        mark_verified(user)
        return user

    return make


def idp_params(app, provider: IdentityProvider, token: str, **extra) -> dict[str, str]:
    """What sdk.loginWithIdp() posts (None values left out)."""
    params = {
        "idp_id": provider.idp_id,
        "idp_client_id": provider.client_id,
        "idp_token": token,
        "client_id": str(app.client_id),
        "client_secret": app.secret,
        **extra,
    }
    return {k: v for k, v in params.items() if v is not None}
