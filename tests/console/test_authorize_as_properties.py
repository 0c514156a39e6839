"""Hypothesis: authorize-as answers any query string with an error page or a redirect to the one allowed
redirect_uri, never a 500 and never a redirect anywhere else (an open redirector)."""

from __future__ import annotations

from urllib.parse import quote, urlencode, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flex_auth_django.console import pkce
from tests.admin.conftest import grant
from tests.console import REDIRECT_URI, marketplace
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NAMES = ["response_type", "client_id", "redirect_uri", "user_id", "state", "code_challenge", "code_challenge_method"]
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)


@pytest.fixture
def world(client):
    app, target = marketplace(), UserFactory()
    staff = grant(UserFactory(is_staff=True), "login_as_user")
    client.force_login(staff)
    good = {
        "response_type": "code",
        "client_id": str(app.client_id),
        "redirect_uri": REDIRECT_URI,
        "user_id": str(target.pk),
        "state": "s",
        "code_challenge": pkce.challenge_of("v" * 43),
        "code_challenge_method": "S256",
    }
    return client, app, target, good


def check(response) -> None:
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 302:
        location = response["Location"]
        assert location.startswith(REDIRECT_URI + "?")
        assert urlsplit(location).netloc == "market.example.com"


@given(
    overrides=st.dictionaries(st.sampled_from(NAMES), text, max_size=4),
    extra=st.lists(st.tuples(st.sampled_from([*NAMES, "x"]), text), max_size=3),
)
def test_mutated_requests(world, overrides, extra):
    client, app, target, good = world
    client.post(f"/admin/flex_auth_django/session/login-as/{target.pk}/", {"application": app.pk})
    query = urlencode(list({**good, **overrides}.items()) + extra)
    check(client.get(f"/flex-console/api/authorize-as?{query}"))


@given(raw=st.text(max_size=200))
def test_raw_query_strings(world, raw):
    client = world[0]
    check(client.get("/flex-console/api/authorize-as?" + quote(raw, safe="=&%+")))
