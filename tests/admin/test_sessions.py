"""The live-sessions view: one row per refresh-token family, filtered per application or user, revocable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.utils import timezone

from flex_auth_django.models import AccessToken, RefreshToken, Session
from tests.admin.conftest import session_url
from tests.factories import AccessTokenFactory, ApplicationFactory, RefreshTokenFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two apps, two users; live, rotated, revoked and expired rows."""
    now = timezone.now()
    shop, backend = ApplicationFactory(name="Shop"), ApplicationFactory(integration=True, name="Backend")
    alice, bob = UserFactory(email="alice@example.com"), UserFactory(email="bob@example.com")
    rotated = RefreshTokenFactory(application=shop, user=alice, family_started=now - timedelta(days=3), retired=now)
    alice_shop = RefreshTokenFactory(
        application=shop,
        user=alice,
        family=rotated.family,
        family_started=rotated.family_started,
        parent=rotated,
        created=now - timedelta(hours=1),
    )
    bob_shop = RefreshTokenFactory(application=shop, user=bob)
    integ = RefreshTokenFactory(integration=True, application=backend)
    RefreshTokenFactory(application=shop, user=bob, revoked=now)
    RefreshTokenFactory(application=shop, user=alice, expired=True)
    return {"shop": shop, "backend": backend, "alice": alice, "bob": bob, "alice_shop": alice_shop,
            "bob_shop": bob_shop, "integ": integ, "rotated": rotated}  # fmt: skip


def listed(client, **params) -> set[int]:
    response = client.get(session_url("changelist"), params)
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


class TestList:
    def test_lists_only_the_live_row_of_each_session(self, staff_client, world):
        assert listed(staff_client) == {world["alice_shop"].pk, world["bob_shop"].pk, world["integ"].pk}

    def test_shows_user_kind_started_last_used_expires(self, staff_client, world):
        response = staff_client.get(session_url("changelist"))
        html = response.content.decode()
        for heading in ("User", "Application", "Kind", "Started", "Last used", "Expires"):
            assert f">{heading}</a>" in html or f">{heading}<" in html, heading
        row = next(r for r in response.context["cl"].result_list if r.pk == world["alice_shop"].pk)
        admin = response.context["cl"].model_admin
        # The session's start, not this row's; the last refresh (both as <time datetime="...">).
        assert f'datetime="{world["rotated"].family_started.isoformat()}"' in admin.started(row)
        assert f'datetime="{world["alice_shop"].created.isoformat()}"' in admin.last_used(row)
        assert "alice@example.com" in html and "Integration" in html

    def test_never_shows_a_token_or_digest(self, staff_client, world):
        pages = [staff_client.get(session_url("changelist")).content.decode()]
        pages += [
            staff_client.get(session_url("change", world[k].pk)).content.decode() for k in ("alice_shop", "integ")
        ]
        for page in pages:
            for key in ("alice_shop", "bob_shop", "integ", "rotated"):
                assert world[key].raw not in page
                assert world[key].digest not in page
            assert "hmac-sha256$" not in page

    def test_per_application(self, staff_client, world):
        shop = world["shop"]
        assert listed(staff_client, application__id__exact=shop.pk) == {world["alice_shop"].pk, world["bob_shop"].pk}
        response = staff_client.get(session_url("changelist"), {"application__id__exact": shop.pk})
        assert response.context["title"] == "Live sessions of Shop"

    def test_per_user(self, staff_client, world):
        alice = world["alice"]
        assert listed(staff_client, user=alice.pk) == {world["alice_shop"].pk}
        response = staff_client.get(session_url("changelist"), {"user": alice.pk})
        assert response.context["title"] == "Live sessions of alice@example.com"
        # The user column links to that user's sessions.
        assert f"?user={alice.pk}" in staff_client.get(session_url("changelist")).content.decode()

    def test_a_malformed_user_filter_lists_nothing_rather_than_failing(self, staff_client, world):
        assert listed(staff_client, user="x' or 1=1") == set()

    @pytest.mark.parametrize("value", ["\u00b2", "\u0663", "1\u00b2", str(2**63), "9" * 40])
    def test_digits_int_refuses_or_ids_past_any_key_list_nothing(self, staff_client, world, value):
        # "²" passes str.isdigit() and fails int(); "٣" is an Arabic-Indic digit; 2**63 is past bigint.
        assert listed(staff_client, user=value) == set()

    @pytest.mark.parametrize("value", ["\u00b2", str(2**63)])
    def test_an_application_filter_int_refuses_does_not_fail(self, staff_client, world, value):
        response = staff_client.get(session_url("changelist"), {"application__id__exact": value})
        assert response.status_code in (200, 302)

    def test_filter_by_kind_offers_only_kinds_that_have_sessions(self, staff_client, world):
        assert listed(staff_client, kind="integration") == {world["integ"].pk}
        spec = next(
            f for f in staff_client.get(session_url("changelist")).context["cl"].filter_specs if f.title == "kind"
        )
        # Trusted-user tokens are never issued with a refresh token, so they have no sessions to list;
        # Login-as sessions (no refresh token either) are listed so the admin can end them.
        assert [value for value, _ in spec.lookup_choices] == ["user", "integration", "login_as"]

    def test_search_by_email_or_application_name(self, staff_client, world):
        assert listed(staff_client, q="bob@") == {world["bob_shop"].pk}
        assert listed(staff_client, q="Backend") == {world["integ"].pk}

    def test_the_list_costs_the_same_queries_for_few_or_many_sessions(self, staff_client, world):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def queries(**params) -> int:
            with CaptureQueriesContext(connection) as ctx:
                assert staff_client.get(session_url("changelist"), params).status_code == 200
            return len(ctx)

        few = queries(), queries(user=world["alice"].pk)
        for _ in range(5):
            RefreshTokenFactory(application=world["shop"], user=world["alice"])
            RefreshTokenFactory(integration=True, application=world["backend"])
        assert (queries(), queries(user=world["alice"].pk)) == few

    def test_there_is_no_add_change_or_delete(self, staff_client, world):
        assert staff_client.get(session_url("add")).status_code == 403
        response = staff_client.get(session_url("change", world["integ"].pk))
        assert response.status_code == 200 and response.context["has_change_permission"] is False
        assert staff_client.get(session_url("delete", world["integ"].pk)).status_code == 403
        actions = staff_client.get(session_url("changelist")).context["action_form"].fields["action"].choices
        assert [name for name, _ in actions if name] == ["revoke_selected"]


class TestRevoke:
    def test_revoke_selected_ends_those_sessions_only(self, staff_client, world):
        access = AccessTokenFactory(application=world["shop"], user=world["alice"], family=world["alice_shop"].family)
        response = staff_client.post(
            session_url("changelist"),
            {"action": "revoke_selected", "_selected_action": [world["alice_shop"].pk, world["integ"].pk]},
            follow=True,
        )
        assert "Revoked 2 sessions." in response.content.decode()
        assert listed(staff_client) == {world["bob_shop"].pk}
        access.refresh_from_db()
        assert access.revoked is not None  # the session's access tokens end with it
        assert RefreshToken.objects.get(pk=world["rotated"].pk).revoked is not None
        assert LogEntry.objects.filter(change_message="Revoked the session.").count() == 2

    def test_revoke_one_from_its_page(self, staff_client, world):
        session = world["bob_shop"]
        page = staff_client.get(session_url("change", session.pk)).content.decode()
        assert session_url("revoke", session.pk) in page
        confirm = staff_client.get(session_url("revoke", session.pk))
        assert confirm.status_code == 200 and "bob@example.com" in confirm.content.decode()
        assert Session.objects.live().filter(pk=session.pk).exists()  # GET changed nothing
        response = staff_client.post(session_url("revoke", session.pk), {"confirm": "True"})
        assert response.status_code == 302 and response["Location"] == session_url("changelist")
        assert not Session.objects.live().filter(pk=session.pk).exists()
        assert listed(staff_client) == {world["alice_shop"].pk, world["integ"].pk}

    def test_a_revoked_session_cannot_be_refreshed(self, staff_client, world, token_endpoint):
        session = world["integ"]
        staff_client.post(session_url("revoke", session.pk), {"confirm": "True"})
        response = token_endpoint.post(
            {"client_id": str(world["backend"].client_id), "grant_type": "refresh_token", "refresh_token": session.raw}
        )
        assert response.status_code == 401 and response.json()["error"] == "invalid_grant"
        assert not AccessToken.objects.filter(family=session.family, revoked__isnull=True).exists()

    def test_an_ended_session_redirects_with_a_message(self, staff_client, world):
        response = staff_client.post(session_url("revoke", world["rotated"].pk), {"confirm": "True"}, follow=True)
        assert response.redirect_chain and "doesn’t exist" in response.content.decode()


class TestTimes:
    """Issue 14 part 5: the list and a session's page format times the same way; never the raw ISO string."""

    def test_list_and_page_show_formatted_times(self, staff_client, world):
        import re

        row = world["alice_shop"]
        pages = (staff_client.get(session_url("changelist")), staff_client.get(session_url("change", row.pk)))
        for response in pages:
            html = response.content.decode()
            shown = re.findall(r'<time datetime="([^"]+)" title="([^"]+)">([^<]+)</time>', html)
            assert shown, html
            assert f'datetime="{row.expires.isoformat()}"' in html
            for _iso, exact, text in shown:
                assert not re.search(r"\d{4}-\d{2}-\d{2}", exact + text)  # formatted, not str(datetime)
        page = pages[1].content.decode()
        assert str(row.expires) not in page and row.expires.isoformat() + "<" not in page
