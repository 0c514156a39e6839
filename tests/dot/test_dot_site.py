"""A django-oauth-toolkit site switches by the guide: DOT's URLs and DOT-scoped views keep working.

tests/dot/site_urls.py is the site as DOT's tutorial builds it (oauth2_provider.urls under /o/,
views protected by ScopedProtectedResourceView, TokenHasScope and TokenHasReadWriteScope with
DOT's `read` and `write`); tests/dot/switched_urls.py is the same site after the guide's step,
with the LEGACY_SCOPES block of the guide. Every grant answers at /o/token/ as at our own
endpoint, revoke and introspect answer as ours, the scoped views take the new tokens, and every
one of DOT's URL patterns is crawled with GET and POST: none answers 500.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, resolve, reverse
from oauth2_provider import urls as dot_urls

from flex_auth_django.dot import urls as our_dot_urls
from flex_auth_django.dot.checks import check_dot_urls
from tests.console import make_code
from tests.docs.pages import blocks, page
from tests.factories import ApplicationFactory, UserFactory
from tests.helpers import FORM, bearer, exchange

pytestmark = pytest.mark.django_db

BEFORE = "tests.dot.site_urls"
AFTER = "tests.dot.switched_urls"


def guide_python_blocks() -> list[str]:
    return blocks(page("guides/dot.md"), "python")


def guide_legacy_scopes() -> dict:
    """FLEX_AUTH['LEGACY_SCOPES'] as the guide's settings block writes it."""
    for code in guide_python_blocks():
        if "LEGACY_SCOPES" in code:
            namespace: dict = {}
            exec(code, namespace)  # noqa: S102 (the guide's own settings block)
            return namespace["FLEX_AUTH"]["LEGACY_SCOPES"]
    raise AssertionError("the guide has no LEGACY_SCOPES block")


@pytest.fixture
def switched(settings):
    settings.ROOT_URLCONF = AFTER
    settings.FLEX_AUTH = {**settings.FLEX_AUTH, "LEGACY_SCOPES": guide_legacy_scopes()}


def post(client: Client, url: str, **params: str):
    return client.generic("POST", url, urlencode(params), content_type=FORM)


# -- before the switch -------------------------------------------------------------------------


def test_the_guide_step_is_the_one_switched_urls_makes():
    urls_blocks = [code for code in guide_python_blocks() if "flex_auth_django.dot.urls" in code]
    assert urls_blocks, "the guide shows no urls.py block"
    assert 'include("flex_auth_django.dot.urls")' in urls_blocks[0]
    assert 'include("oauth2_provider.urls"' in urls_blocks[0]  # named as what it replaces


def test_with_dot_urls_mounted_check_names_the_drop_in_and_dot_views_do_answer_500(settings, marketplace_app):
    settings.ROOT_URLCONF = BEFORE
    [error] = check_dot_urls(None)
    assert error.id == "flex_auth.E015" and "flex_auth_django.dot.urls" in error.hint
    assert "include('oauth2_provider.urls') at 'o/'" in error.msg
    # What the check prevents: DOT's token view on our models.
    client = Client(raise_request_exception=False)
    response = post(client, "/o/token/", grant_type="client_credentials", client_id=str(marketplace_app.client_id))
    assert response.status_code == 500


def test_a_dot_view_mounted_on_its_own_is_named_too(settings):
    settings.ROOT_URLCONF = "tests.dot.single_dot_view_urls"
    [error] = check_dot_urls(None)
    assert "TokenView at 'auth/token/'" in error.msg


def test_after_the_switch_the_check_is_quiet(switched):
    assert check_dot_urls(None) == []


# -- /o/token/: every grant, our wire format ---------------------------------------------------


def _same_answer(client: Client, params: dict, *, fresh) -> dict:
    """POST params to /o/token/ and to our /oauth/token: same status, headers and body shape."""
    ours = post(client, "/oauth/token", **fresh(params))
    theirs = post(client, "/o/token/", **params)
    assert theirs.status_code == ours.status_code, theirs.content
    for header in ("Content-Type", "Cache-Control", "Pragma", "WWW-Authenticate"):
        assert theirs.get(header) == ours.get(header), header
    assert set(theirs.json()) == set(ours.json())
    return theirs.json()


def test_every_grant_answers_at_dot_s_token_path_as_at_ours(switched, client, password):
    marketplace = ApplicationFactory()
    integration = ApplicationFactory(integration=True)
    user = UserFactory()
    same = lambda params: params  # noqa: E731 (the same request again, for grants that can be repeated)

    anonymous = _same_answer(
        client, {"grant_type": "client_credentials", "client_id": str(marketplace.client_id)}, fresh=same
    )
    assert anonymous["scope"] == "public-read" and "refresh_token" not in anonymous
    integ = _same_answer(
        client,
        {
            "grant_type": "client_credentials",
            "client_id": str(integration.client_id),
            "client_secret": integration.secret,
        },
        fresh=same,
    )
    assert integ["scope"] == "integ"
    signed_in = {
        "grant_type": "password",
        "client_id": str(marketplace.client_id),
        "username": user.email,
        "password": password,
    }
    session = _same_answer(client, signed_in, fresh=same)
    assert session["scope"] == "user" and session["refresh_token"].startswith("flxr_")

    other = post(client, "/oauth/token", **signed_in).json()  # a second session for our endpoint's half
    refreshed = _same_answer(
        client,
        {
            "grant_type": "refresh_token",
            "client_id": str(marketplace.client_id),
            "refresh_token": session["refresh_token"],
        },
        fresh=lambda p: {**p, "refresh_token": other["refresh_token"]},
    )
    assert refreshed["refresh_token"] != session["refresh_token"]

    trusted = _same_answer(
        client,
        exchange(marketplace, refreshed["access_token"]),
        fresh=lambda p: {**p, "subject_token": other["access_token"]},
    )
    assert trusted["scope"] == "trusted:user"

    code, ours = make_code(), make_code()
    login_as = _same_answer(client, code.token_params(), fresh=lambda p: ours.token_params())
    assert login_as["scope"] == "user:limited"

    # Refusals too: the RFC 6749 body, 401 with Basic only when the client used Basic.
    wrong = {"grant_type": "client_credentials", "client_id": str(integration.client_id), "client_secret": "flxs_no"}
    assert _same_answer(client, wrong, fresh=same)["error"] == "invalid_client"
    assert _same_answer(client, {"grant_type": "device_code"}, fresh=same)["error"] in (
        "invalid_request",
        "unsupported_grant_type",
    )


def test_revoke_token_and_introspect_answer_as_ours(switched, client, password):
    marketplace = ApplicationFactory()
    integration = ApplicationFactory(integration=True)
    user = UserFactory()
    session = post(
        client,
        "/o/token/",
        grant_type="password",
        client_id=str(marketplace.client_id),
        username=user.email,
        password=password,
    ).json()
    seen = post(
        client,
        "/o/introspect/",
        token=session["access_token"],
        client_id=str(marketplace.client_id),
        client_secret=marketplace.secret,
    )
    assert seen.status_code == 200 and seen["Cache-Control"] == "no-store"
    body = seen.json()
    assert body["active"] is True and body["scope"] == "user" and body["sub"] == str(user.pk)
    assert body["client_id"] == str(marketplace.client_id) and body["token_type"] == "access_token"
    # Another application's token is inactive to a non-privileged client, as at ours.
    stranger = post(
        client,
        "/o/introspect/",
        token=session["access_token"],
        client_id=str(integration.client_id),
        client_secret=integration.secret,
    )
    assert stranger.json() == {"active": False}
    # Introspection needs the client's secret, as ours does.
    missing = post(client, "/o/introspect/", token=session["access_token"], client_id=str(marketplace.client_id))
    assert missing.status_code == 401 and missing.json()["error"] == "invalid_client"

    revoked = post(client, "/o/revoke_token/", token=session["refresh_token"], client_id=str(marketplace.client_id))
    assert (
        revoked.status_code == 200
        and revoked.content
        == post(client, "/oauth/revoke", token="unknown", client_id=str(marketplace.client_id)).content
    )
    refused = post(
        client,
        "/o/token/",
        grant_type="refresh_token",
        client_id=str(marketplace.client_id),
        refresh_token=session["refresh_token"],
    )
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_grant"
    gone = post(
        client,
        "/o/introspect/",
        token=session["access_token"],
        client_id=str(marketplace.client_id),
        client_secret=marketplace.secret,
    )
    assert gone.json() == {"active": False}  # revoking the session ended its access token too


def test_the_metadata_beside_dot_s_paths_names_them(switched, client):
    body = client.get("/o/.well-known/oauth-authorization-server").json()
    assert body["issuer"] == "http://testserver"
    assert body["token_endpoint"] == "http://testserver/o/token/"
    assert body["revocation_endpoint"] == "http://testserver/o/revoke_token/"
    assert body["introspection_endpoint"] == "http://testserver/o/introspect/"
    assert body["jwks_uri"] == "http://testserver/o/.well-known/jwks.json"
    keys = client.get("/o/.well-known/jwks.json")
    assert keys.status_code == 200 and keys.json() == client.get("/oauth/jwks.json").json()


# -- the scoped views ----------------------------------------------------------------------------

SCOPED = [
    ("get", "/api/orders/"),
    ("get", "/api/reports/"),
    ("get", "/api/notes/"),
    ("post", "/api/notes/"),
    ("get", "/api/stock/"),
]


def _tokens(client, password) -> dict[str, str]:
    marketplace = ApplicationFactory()
    integration = ApplicationFactory(integration=True)
    user = UserFactory()
    login = post(
        client,
        "/o/token/",
        grant_type="password",
        client_id=str(marketplace.client_id),
        username=user.email,
        password=password,
    ).json()
    return {
        "user": login["access_token"],
        "trusted": post(client, "/o/token/", **exchange(marketplace, login["access_token"])).json()["access_token"],
        "anonymous": post(
            client, "/o/token/", grant_type="client_credentials", client_id=str(marketplace.client_id)
        ).json()["access_token"],
        "integration": post(
            client,
            "/o/token/",
            grant_type="client_credentials",
            client_id=str(integration.client_id),
            client_secret=integration.secret,
        ).json()["access_token"],
        "login_as": post(client, "/o/token/", **make_code().token_params()).json()["access_token"],
    }


@pytest.mark.parametrize(("method", "path"), SCOPED)
def test_scoped_views_take_the_tokens_the_legacy_scopes_map_onto(switched, client, password, method, path):
    found = _tokens(client, password)
    for name in ("user", "trusted"):
        response = getattr(client, method)(path, **bearer(found[name]))
        assert response.status_code == 200, (name, response.content)
    for name in ("anonymous", "integration"):
        assert getattr(client, method)(path, **bearer(found[name])).status_code == 403, name
    assert getattr(client, method)(path, **bearer("flxa_" + "x" * 43)).status_code in (401, 403)


@pytest.mark.parametrize(("method", "path"), SCOPED[:4])
def test_dot_s_tools_never_take_login_as_limited_rights_for_full_ones(switched, client, password, method, path):
    assert getattr(client, method)(path, **bearer(_tokens(client, password)["login_as"])).status_code == 403


def test_our_permission_with_a_legacy_name_is_as_require_user(switched, client, password):
    # RequireScopes(["read"]) with read -> user is RequireUser: Login as user passes (RequireFullUser would not).
    assert client.get("/api/stock/", **bearer(_tokens(client, password)["login_as"])).status_code == 200


def test_without_legacy_scopes_dot_s_scoped_views_refuse_new_tokens(settings, client, password):
    settings.ROOT_URLCONF = AFTER
    user_token = _tokens(client, password)["user"]
    assert client.get("/api/orders/", **bearer(user_token)).status_code == 403
    assert client.get("/api/reports/", **bearer(user_token)).status_code == 403


# -- every URL of DOT's --------------------------------------------------------------------------

# A value for each path converter DOT's patterns use.
PARAMS = {"slug": "1", "str": "web-shop.v1", "path": "tenant1", "int": "1"}


def dot_patterns(patterns=None, prefix: str = "") -> list[tuple[str, str | None]]:
    """(route, name) of every pattern of oauth2_provider.urls."""
    found = []
    for entry in patterns if patterns is not None else dot_urls.urlpatterns:
        if isinstance(entry, URLResolver):
            found += dot_patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            found.append((prefix + str(entry.pattern), entry.name))
    return found


def concrete(route: str) -> str:
    """A path for `route`, its parameters filled and its regex (if any) made literal."""
    path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: PARAMS[m.group(1) or "str"], route)
    return path.removeprefix("^").removesuffix("$").replace("/?", "/").replace("\\.", ".")


def test_every_pattern_of_dot_s_urls_has_one_here_with_its_route_and_name():
    ours = dot_patterns(our_dot_urls.urlpatterns)
    assert [pattern for pattern in dot_patterns() if pattern not in ours] == []
    assert our_dot_urls.app_name == dot_urls.app_name


def test_dot_s_url_names_reverse_to_dot_s_paths(switched):
    assert reverse("oauth2_provider:token") == "/o/token/"
    assert reverse("oauth2_provider:revoke-token") == "/o/revoke_token/"
    for route, name in dot_patterns():
        kwargs = {param: PARAMS[converter or "str"] for converter, param in re.findall(r"<(?:(\w+):)?(\w+)>", route)}
        url = reverse(f"oauth2_provider:{name}", kwargs=kwargs or None)
        assert resolve(url).url_name == name and resolve(url).func.__module__.startswith("flex_auth_django"), name


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "staff"])
def test_no_url_of_dot_s_answers_500(switched, signed_in):
    # As a browser or a client would, CSRF enforced: no CSRF 403 page stands in for a clear answer.
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    if signed_in:
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
    crawled = 0
    for route, name in dot_patterns():
        url = "/o/" + concrete(route)
        for method in ("get", "post", "head", "put", "delete"):
            response = getattr(client, method)(url)
            where = f"{method.upper()} {url} ({name})"
            assert response.status_code < 500, f"{where}: {response.status_code} {response.content[:300]!r}"
            if response.status_code in (302, 303):
                assert response["Location"].startswith("/admin/"), where
            elif method != "head":
                assert re.match(r"application/(jwk-set\+)?json", response["Content-Type"]), where
                body = response.json()
                if response.status_code == 404:
                    assert body["error"] == "not_found" and body["error_description"], where
            crawled += 1
    assert crawled == 5 * len(dot_patterns()) and len(dot_patterns()) >= 20


def test_management_pages_lead_to_our_admin(switched):
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = client.get("/o/applications/")
    assert listing.status_code == 302 and listing["Location"] == reverse(
        "admin:flex_auth_django_application_changelist"
    )
    assert client.get(listing["Location"]).status_code == 200
    registered = client.post("/o/applications/register/", {"name": "x"})
    assert registered.status_code == 303  # the form's action is done in the admin
    tokens = client.get("/o/authorized_tokens/")
    assert tokens.status_code == 302 and tokens["Location"] == reverse("admin:flex_auth_django_session_changelist")
    assert client.get(tokens["Location"]).status_code == 200


def test_authorization_and_oidc_urls_say_what_to_use_instead(switched, client):
    authorize = client.get("/o/authorize/?response_type=code&client_id=x")
    assert authorize.status_code == 404 and "token endpoint" in authorize.json()["error_description"]
    assert "OpenID Connect" in client.get("/o/.well-known/openid-configuration").json()["error_description"]
    assert "flex_create_application" in client.post("/o/register/").json()["error_description"]
