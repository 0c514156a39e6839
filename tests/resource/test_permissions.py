"""RequireScopes and the ready-made access levels: composition with & | ~, configuration errors."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from flex_auth_django.resource.permissions import RequireScopes
from tests.factories import AccessTokenFactory, ApplicationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.urls_protected")]

KINDS = {
    "anonymous": {"anonymous": True},
    "user": {},
    "trusted_user": {"trusted": True},
    "integration": {"integration": True},
}


def get(client, url, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token.raw}"} if token is not None else {}
    return client.get(url, **headers)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("/drf/user-or-integ", {"user", "trusted_user", "integration"}),
        ("/drf/anonymous-only", {"anonymous"}),
        ("/drf/not-integ", {"anonymous", "user", "trusted_user"}),
        ("/drf/view-scopes", {"trusted_user"}),
        ("/drf/trusted", {"trusted_user"}),
        ("/drf/per-action", {"user", "trusted_user"}),
    ],
)
@pytest.mark.parametrize("kind", KINDS)
def test_composed_and_configured_permissions(client, url, allowed, kind):
    response = get(client, url, AccessTokenFactory(**KINDS[kind]))
    assert response.status_code == (200 if kind in allowed else 403), response.content


def test_the_view_sees_the_token(client):
    token = AccessTokenFactory(trusted=True)
    assert get(client, "/drf/trusted", token).json() == {
        "user": token.user.get_username(),
        "kind": "trusted_user",
        "scopes": ["trusted:user"],
    }


def test_a_standalone_permission_raises_the_exact_error(client):
    response = get(client, "/drf/trusted", AccessTokenFactory())
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"
    assert response["WWW-Authenticate"] == 'Bearer error="insufficient_scope", scope="trusted:user"'


def test_a_composition_denies_with_drfs_generic_answer(client):
    # Documented: inside & | ~ the composition decides, and DRF words the refusal.
    response = get(client, "/drf/user-or-integ", AccessTokenFactory(anonymous=True))
    assert response.status_code == 403
    assert "WWW-Authenticate" not in response
    response = get(client, "/drf/user-or-integ")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="flex-auth"'


def test_permissions_from_get_permissions_still_word_insufficient_scope(client):
    response = get(client, "/drf/per-action", AccessTokenFactory(anonymous=True))
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"


def test_negation_never_lets_a_request_without_token_through_as_a_user(client):
    # ~RequireIntegration passes a request with no token at all: negation is the site's choice,
    # and the view then sees AnonymousUser, never a user.
    response = get(client, "/drf/not-integ")
    assert response.status_code == 200
    assert response.json() == {"user": None, "kind": None, "scopes": None}


@pytest.mark.parametrize(
    ("scope", "traits"),
    [
        # Mislabelled rows, which the token service never writes: the token's kind and its
        # application's API type still keep it on its own side.
        ("public-read", {"integration": True, "scope": "public-read"}),
        ("user", {"integration": True, "scope": "user"}),
        ("integ", {"scope": "integ"}),
        ("integ", {"kind": "integration", "scope": "integ", "user": None}),
        ("user", {"anonymous": True, "scope": "user"}),
    ],
)
def test_an_api_never_accepts_the_other_apis_tokens(client, scope, traits):
    token = AccessTokenFactory(**traits)
    url = {"public-read": "/plain/public-read", "user": "/plain/user", "integ": "/plain/integ"}[scope]
    response = get(client, url, token)
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"


def test_an_integration_scope_on_a_marketplace_app_does_not_pass():
    token = AccessTokenFactory(kind="integration", scope="integ", user=None, application=ApplicationFactory())
    from flex_auth_django.resource import access

    assert access.granted(token) == frozenset()


@pytest.mark.parametrize(
    "scopes",
    [("user", "integ"), ("admin",), ("public_read",)],
    ids=["both-apis", "unknown", "typo"],
)
def test_misconfigured_scopes_fail_when_the_class_is_defined(scopes):
    with pytest.raises(ImproperlyConfigured):
        type("Broken", (RequireScopes,), {"required_scopes": scopes})


def test_a_view_without_required_scopes_is_a_configuration_error():
    class View:
        pass

    with pytest.raises(ImproperlyConfigured):
        RequireScopes().get_required_scopes(View())
