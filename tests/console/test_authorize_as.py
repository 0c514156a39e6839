"""GET <console>/api/authorize-as as a browser sees it (spec: Login as user, step 3).

A bad client_id or redirect_uri gets an error page, never a redirect; every other refusal
redirects to the marketplace's login-as route with error= and the state; success redirects
with a code and the state.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlencode

import pytest
from django.contrib.auth.models import Permission

from flex_auth_django.console import intents, pkce
from flex_auth_django.models import AuthorizationCode
from flex_auth_django.tokens import digests
from tests.admin.conftest import grant
from tests.console import MARKETPLACE_URL, REDIRECT_URI, marketplace, verifier
from tests.factories import ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db

AUTHORIZE = "/flex-console/api/authorize-as"
STATE = "st4te-0f-the-web-template"


@pytest.fixture
def app():
    return marketplace()


@pytest.fixture
def target():
    return UserFactory()


@pytest.fixture
def operator(client):
    staff = grant(UserFactory(is_staff=True), "login_as_user")
    client.force_login(staff)
    client.staff = staff
    return client


def press_button(client, app, target):
    """What the admin button leaves behind: the intent in the staff member's session."""
    response = client.post(f"/admin/flex_auth_django/session/login-as/{target.pk}/", {"application": app.pk})
    assert response.status_code == 302 and "initiate-login-as" in response["Location"], response
    return response


def params(app, target, **overrides):
    values = {
        "response_type": "code",
        "client_id": str(app.client_id),
        "redirect_uri": app.marketplace_url + "/api/login-as",
        "user_id": str(target.pk),
        "state": STATE,
        "code_challenge": pkce.challenge_of(verifier()),
        "code_challenge_method": "S256",
        **overrides,
    }
    return {k: v for k, v in values.items() if v is not None}


def authorize(client, values, raw_query: str | None = None):
    return client.get(f"{AUTHORIZE}?{raw_query if raw_query is not None else urlencode(values, doseq=True)}")


def redirected(response, redirect_uri=REDIRECT_URI) -> dict[str, list[str]]:
    assert response.status_code == 302, response.content
    location = response["Location"]
    base, _, query = location.partition("?")
    assert base == redirect_uri
    assert response["Cache-Control"] == "no-store" and response["Referrer-Policy"] == "no-referrer"
    return parse_qs(query)


def refused_with(response, error: str) -> str:
    query = redirected(response)
    assert query["error"] == [error]
    assert query["state"] == [STATE]
    assert "code" not in query
    return query["error_description"][0]


def error_page(response) -> str:
    assert response.status_code == 400
    assert not response.has_header("Location")
    assert response["Content-Type"].startswith("text/html")
    assert not AuthorizationCode.objects.exists()
    return response.content.decode()


class TestSuccess:
    def test_a_code_and_the_state_come_back(self, operator, app, target):
        press_button(operator, app, target)
        code_verifier = verifier()
        response = authorize(operator, params(app, target, code_challenge=pkce.challenge_of(code_verifier)))
        query = redirected(response)
        assert query["state"] == [STATE] and set(query) == {"code", "state"}
        raw = query["code"][0]
        assert raw.startswith("flxc_")
        stored = AuthorizationCode.objects.get()
        # Stored only as a digest, bound to everything that was checked.
        assert raw not in stored.digest and digests.verify(raw, stored.digest)
        assert (stored.application, stored.user, stored.staff) == (app, target, operator.staff)
        assert stored.redirect_uri == REDIRECT_URI
        assert stored.code_challenge == pkce.challenge_of(code_verifier)
        assert 59 <= (stored.expires - stored.created).total_seconds() <= 60
        assert stored.redeemed is None

    def test_the_intent_is_used_once(self, operator, app, target):
        press_button(operator, app, target)
        assert "code" in redirected(authorize(operator, params(app, target)))
        assert "No login-as request" in refused_with(authorize(operator, params(app, target)), "access_denied")

    def test_http_on_localhost_for_development(self, operator, target):
        app = marketplace(marketplace_url="http://localhost:4000")
        press_button(operator, app, target)
        response = authorize(operator, params(app, target))
        assert "code" in redirected(response, "http://localhost:4000/api/login-as")

    def test_without_state_the_answer_has_none(self, operator, app, target):
        press_button(operator, app, target)
        assert set(redirected(authorize(operator, params(app, target, state=None)))) == {"code"}

    def test_superusers_may_log_in_as_staff(self, client, app):
        superuser = UserFactory(is_staff=True, is_superuser=True)
        client.force_login(superuser)
        other = UserFactory(is_staff=True)
        press_button(client, app, other)
        assert "code" in redirected(authorize(client, params(app, other)))


class TestErrorPage:
    """Never a redirect: the client or its redirect URI is not known to be right."""

    def test_unknown_client_id(self, operator, app, target):
        press_button(operator, app, target)
        for client_id in ("11111111-1111-1111-1111-111111111111", "not-a-uuid", "undefined", None):
            body = error_page(authorize(operator, params(app, target, client_id=client_id)))
            assert "Unknown client_id" in body

    def test_integration_application(self, operator, target):
        integ = ApplicationFactory(integration=True)
        error_page(
            authorize(operator, params(integ, target, redirect_uri=REDIRECT_URI, client_id=str(integ.client_id)))
        )

    def test_marketplace_application_without_a_marketplace_url(self, operator, target):
        bare = ApplicationFactory()
        values = params(bare, target, redirect_uri=REDIRECT_URI, client_id=str(bare.client_id))
        assert "Unknown client_id" in error_page(authorize(operator, values))

    def test_inactive_application(self, operator, target):
        app = marketplace(is_active=False)
        error_page(authorize(operator, params(app, target)))

    @pytest.mark.parametrize(
        "redirect_uri",
        [
            None,  # missing
            "https://evil.example.com/api/login-as",  # another host
            "https://market.example.com.evil.example/api/login-as",  # a longer host
            "https://market.example.com:8443/api/login-as",  # another port
            "http://market.example.com/api/login-as",  # http instead of https
            "https://MARKET.example.com/api/login-as",  # case is not normalised
            "https://market.example.com/API/login-as",
            "https://market.example.com/api/login%2Das",  # percent-encoding is not normalised
            "https://market.example.com/api/login-as/",  # a trailing slash
            "https://market.example.com//api/login-as",
            "https://market.example.com/api/login-as?next=/admin",  # an added query
            "https://market.example.com/api/login-as?",
            "https://market.example.com/api/login-as#fragment",  # a fragment
            "https://market.example.com/api/login-as/../login-as",  # dot segments
            "https://market.example.com/api/login-as-evil",  # a prefix match
            "https://market.example.com/api/initiate-login-as",  # another route
            "https://market.example.com",  # the bare Marketplace URL
            "https://user@market.example.com/api/login-as",  # userinfo
            " https://market.example.com/api/login-as",  # whitespace
            "//market.example.com/api/login-as",  # scheme-relative
            "/api/login-as",  # relative
            "undefined",
        ],
    )
    def test_a_redirect_uri_other_than_exactly_the_marketplace_url_plus_api_login_as(
        self, operator, app, target, redirect_uri
    ):
        press_button(operator, app, target)
        body = error_page(authorize(operator, params(app, target, redirect_uri=redirect_uri)))
        assert "Mismatch between redirect_uri parameter value and Marketplace URL" in body

    def test_http_redirect_uri_of_a_non_local_host_even_if_stored(self, operator, target):
        # A Marketplace URL written to the database directly, past validation.
        app = marketplace()
        type(app).objects.filter(pk=app.pk).update(marketplace_url="http://market.example.com")
        app.refresh_from_db()
        values = params(app, target, redirect_uri="http://market.example.com/api/login-as")
        assert "Mismatch" in error_page(authorize(operator, values))

    def test_repeated_redirect_uri_or_client_id(self, operator, app, target):
        press_button(operator, app, target)
        base = urlencode(params(app, target))
        error_page(authorize(operator, {}, raw_query=base + "&" + urlencode({"redirect_uri": REDIRECT_URI})))
        error_page(authorize(operator, {}, raw_query=base + "&" + urlencode({"client_id": str(app.client_id)})))

    def test_even_without_a_session(self, client, app, target):
        error_page(authorize(client, params(app, target, redirect_uri="https://evil.example.com/api/login-as")))


class TestRefusalRedirects:
    """The redirect URI is right: the marketplace hears error= and the state."""

    def test_no_session(self, client, app, target):
        assert "Sign in to the admin" in refused_with(authorize(client, params(app, target)), "access_denied")

    def test_staff_without_the_permission(self, client, app, target):
        staff = UserFactory(is_staff=True)
        client.force_login(staff)
        refused_with(authorize(client, params(app, target)), "access_denied")

    def test_a_user_who_is_not_staff_even_with_the_permission(self, client, app, target):
        member = grant(UserFactory(is_staff=False), "login_as_user")
        client.force_login(member)
        refused_with(authorize(client, params(app, target)), "access_denied")

    def test_no_intent(self, operator, app, target):
        description = refused_with(authorize(operator, params(app, target)), "access_denied")
        assert "No login-as request" in description

    def test_an_intent_for_another_user(self, operator, app, target):
        press_button(operator, app, UserFactory())
        refused_with(authorize(operator, params(app, target)), "access_denied")

    def test_an_intent_for_another_application(self, operator, app, target):
        other = marketplace(marketplace_url="https://other.example.com")
        press_button(operator, other, target)
        refused_with(authorize(operator, params(app, target)), "access_denied")

    def test_an_intent_of_another_staff_member(self, operator, app, target):
        press_button(operator, app, target)
        session = operator.session
        pending = session[intents.SESSION_KEY]
        pending[0]["staff"] = "0"
        session[intents.SESSION_KEY] = pending
        session.save()
        refused_with(authorize(operator, params(app, target)), "access_denied")

    def test_an_expired_intent(self, operator, app, target):
        press_button(operator, app, target)
        session = operator.session
        pending = session[intents.SESSION_KEY]
        pending[0]["expires"] = time.time() - 1
        session[intents.SESSION_KEY] = pending
        session.save()
        description = refused_with(authorize(operator, params(app, target)), "access_denied")
        assert "expired" in description

    def test_an_intent_expires_after_the_intent_lifetime(self, operator, app, target, settings):
        settings.FLEX_AUTH = {"LOGIN_AS_INTENT_LIFETIME": 1}
        press_button(operator, app, target)
        expires = operator.session[intents.SESSION_KEY][0]["expires"]
        assert expires - time.time() <= 1

    def test_staff_on_staff(self, operator, app):
        other_staff = UserFactory(is_staff=True)
        superuser = UserFactory(is_staff=True, is_superuser=True)
        for victim in (other_staff, superuser):
            # The button refuses too; an intent planted anyway must still not work.
            intents_session = operator.session
            intents_session[intents.SESSION_KEY] = [
                {
                    "staff": str(operator.staff.pk),
                    "user": str(victim.pk),
                    "client_id": str(app.client_id),
                    "expires": time.time() + 60,
                    "nonce": "x",
                }
            ]
            intents_session.save()
            description = refused_with(authorize(operator, params(app, victim)), "access_denied")
            assert "Only superusers" in description

    def test_inactive_user(self, operator, app, target):
        press_button(operator, app, target)
        target.is_active = False
        target.save()
        assert "inactive" in refused_with(authorize(operator, params(app, target)), "access_denied")

    def test_inactive_user_even_for_superusers(self, client, app, target):
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        press_button(client, app, target)
        type(target).objects.filter(pk=target.pk).update(is_active=False)
        refused_with(authorize(client, params(app, target)), "access_denied")

    def test_a_deleted_user(self, operator, app, target):
        press_button(operator, app, target)
        user_id = target.pk
        target.delete()
        refused_with(authorize(operator, params(app, target, user_id=str(user_id))), "access_denied")

    def test_permission_withdrawn_after_pressing_the_button(self, operator, app, target):
        press_button(operator, app, target)
        operator.staff.user_permissions.remove(Permission.objects.get(codename="login_as_user"))
        refused_with(authorize(operator, params(app, target)), "access_denied")

    @pytest.mark.parametrize("response_type", [None, "token", "code token", "CODE", "undefined"])
    def test_response_type_other_than_code(self, operator, app, target, response_type):
        press_button(operator, app, target)
        refused_with(authorize(operator, params(app, target, response_type=response_type)), "invalid_request")

    @pytest.mark.parametrize("method", ["plain", None, "s256", "S512", "undefined"])
    def test_challenge_method_other_than_s256(self, operator, app, target, method):
        press_button(operator, app, target)
        description = refused_with(
            authorize(operator, params(app, target, code_challenge_method=method)), "invalid_request"
        )
        assert "S256" in description

    @pytest.mark.parametrize(
        "challenge",
        [
            None,
            "short",
            "A" * 42,
            "A" * 44,
            "A" * 42 + "=",  # padding
            "A" * 42 + "+",  # base64, not base64url
            "A" * 42 + "/",
            "A" * 42 + "\n",
            "undefined",
        ],
    )
    def test_bad_challenge(self, operator, app, target, challenge):
        press_button(operator, app, target)
        refused_with(authorize(operator, params(app, target, code_challenge=challenge)), "invalid_request")

    def test_missing_user_id(self, operator, app, target):
        press_button(operator, app, target)
        refused_with(authorize(operator, params(app, target, user_id=None)), "invalid_request")

    def test_a_repeated_parameter(self, operator, app, target):
        press_button(operator, app, target)
        query = urlencode(params(app, target)) + "&code_challenge_method=plain"
        refused_with(authorize(operator, {}, raw_query=query), "invalid_request")

    def test_a_refusal_keeps_the_intent_for_a_retry(self, operator, app, target):
        press_button(operator, app, target)
        refused_with(authorize(operator, params(app, target, code_challenge_method="plain")), "invalid_request")
        assert "code" in redirected(authorize(operator, params(app, target)))


class TestMethodsAndInputs:
    def test_post_is_405(self, operator, app, target):
        response = operator.post(AUTHORIZE, params(app, target))
        assert response.status_code == 405

    @pytest.mark.parametrize(
        "raw_query, page_says",
        [
            ("", "Unknown client_id"),
            ("client_id=%00", "Unknown client_id"),
            ("client_id=%ff%fe&redirect_uri=%ff", "Unknown client_id"),
            ("redirect_uri=" + "a" * 10000, "redirect_uri must be sent exactly once, at most 4096 characters"),
        ],
    )
    def test_odd_client_or_redirect_input_is_the_page_naming_it(self, operator, app, target, raw_query, page_says):
        """Without a client and redirect URI to trust, the answer is the 400 page (never a redirect, never a 500)."""
        press_button(operator, app, target)
        assert page_says in error_page(authorize(operator, {}, raw_query=raw_query))

    def test_an_overlong_state_redirects_invalid_request_without_echoing_it(self, operator, app, target):
        press_button(operator, app, target)
        raw_query = urlencode(params(app, target, state=None)) + "&state=" + "s" * 10000
        query = redirected(authorize(operator, {}, raw_query=raw_query))
        assert query["error"] == ["invalid_request"]
        assert query["error_description"] == ["Repeated or overlong state."]
        assert "state" not in query and "code" not in query
        assert not AuthorizationCode.objects.exists()

    def test_marketplace_url_constant(self):
        assert REDIRECT_URI == MARKETPLACE_URL + "/api/login-as"
