"""The applications admin as an operator uses it: list, create (secret shown once), actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from flex_auth_django.admin import ApplicationAdmin
from flex_auth_django.applications import regenerate_secret
from flex_auth_django.models import AccessToken, ApiType, Application, RefreshToken
from flex_auth_django.tokens import digests
from tests.admin.conftest import app_url, new_app
from tests.factories import AccessTokenFactory, ApplicationFactory, RefreshTokenFactory
from tests.helpers import client_credentials

pytestmark = pytest.mark.django_db


def shown_secret(response) -> str:
    """The secret as the one-time page shows it (the value of its read-only input)."""
    assert response.status_code == 200, response.status_code
    assert "client_secret" in response.context
    return response.context["client_secret"]


class TestList:
    def test_lists_the_console_columns(self, staff_client):
        app = ApplicationFactory(name="Shop web", last_used=None)
        response = staff_client.get(app_url("changelist"))
        assert response.status_code == 200
        html = response.content.decode()
        # Console's list has "Created" (issue 23); "Active" became a "Deactivated" tag under the
        # name so that the list still fits 1366 px (tests/admin/test_browser_console.py measures it).
        headings = ("Name", "API type", "Client ID", "Created", "Last used", "Tokens (24\xa0h)", "Sessions")
        for heading in headings:
            assert f">{heading}<" in html or f">{heading}</a>" in html, heading
        assert "Shop web" in html and str(app.client_id) in html and "Marketplace API" in html
        # The day it was created, with the exact time on hover; newest first, sortable by it.
        created = f'<td class="field-created_on"><time datetime="{app.created.isoformat()}"'
        assert created in html
        assert response.context["cl"].get_ordering_field_columns() == {4: "desc"}
        assert "Deactivated" not in html
        page = staff_client.get(app_url("change", app.pk)).content.decode()
        assert ">Created:<" in page and f'datetime="{app.created.isoformat()}"' in page
        assert f'data-copy-value="{app.client_id}"' in page and f'data-copy-value="{app.client_id}"' in html

    def test_never_shows_a_secret_or_its_digest(self, staff_client):
        app = ApplicationFactory()
        html = staff_client.get(app_url("changelist")).content.decode()
        assert app.secret not in html
        assert app.client_secret_digest not in html

    @pytest.mark.parametrize("query", ["Shop", "shop web"])
    def test_search_by_name(self, staff_client, query):
        ApplicationFactory(name="Shop web")
        ApplicationFactory(name="Back office")
        names = {a.name for a in staff_client.get(app_url("changelist"), {"q": query}).context["cl"].result_list}
        assert names == {"Shop web"}

    def test_search_by_client_id_whole_or_part(self, staff_client):
        wanted, other = ApplicationFactory(), ApplicationFactory()
        for query in (str(wanted.client_id), str(wanted.client_id).split("-")[-1], str(wanted.client_id).upper()):
            found = list(staff_client.get(app_url("changelist"), {"q": query}).context["cl"].result_list)
            assert found == [wanted], query
        assert other not in found

    def test_a_deactivated_application_says_so_under_its_name(self, staff_client):
        ApplicationFactory(name="Old shop", is_active=False)
        ApplicationFactory(name="New shop")
        html = staff_client.get(app_url("changelist")).content.decode()
        assert '<span class="flex-name">Old shop</span><span class="flex-inactive">Deactivated</span>' in html
        assert '<span class="flex-name">New shop</span></a>' in html
        assert html.count("Deactivated</span>") == 1

    def test_the_list_is_sorted_by_created_on_request(self, staff_client):
        old = ApplicationFactory(name="Old")
        Application.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=30))
        ApplicationFactory(name="New")
        for order, names in (("4", ["Old", "New"]), ("-4", ["New", "Old"])):
            listed = staff_client.get(app_url("changelist"), {"o": order}).context["cl"].result_list
            assert [a.name for a in listed] == names, order

    def test_filter_by_api_type_and_active(self, staff_client):
        market = ApplicationFactory()
        integ = ApplicationFactory(integration=True)
        off = ApplicationFactory(integration=True, inactive=True)

        def listed(**params):
            return set(staff_client.get(app_url("changelist"), params).context["cl"].result_list)

        assert listed(api_type__exact="integration") == {integ, off}
        assert listed(api_type__exact="marketplace") == {market}
        assert listed(is_active__exact="0") == {off}
        assert listed(is_active__exact="1", api_type__exact="integration") == {integ}


class TestDashboard:
    def test_counts_tokens_of_the_last_24_hours_and_live_sessions_per_application(self, staff_client):
        app, other = ApplicationFactory(), ApplicationFactory()
        now = timezone.now()
        AccessTokenFactory.create_batch(3, application=app)
        AccessTokenFactory(application=app, created=now - timedelta(hours=25))  # too old to count
        AccessTokenFactory(application=other)
        RefreshTokenFactory.create_batch(2, application=app)  # live
        RefreshTokenFactory(application=app, retired=now)  # rotated: its successor is the live row
        RefreshTokenFactory(application=app, revoked=now)
        RefreshTokenFactory(application=app, expired=True)
        rows = {a.pk: a for a in staff_client.get(app_url("changelist")).context["cl"].result_list}
        assert (rows[app.pk].tokens_24h, rows[app.pk].live_sessions) == (3, 2)
        assert (rows[other.pk].tokens_24h, rows[other.pk].live_sessions) == (1, 0)

    def test_signed_session_tokens_count_through_their_refresh_tokens(self, staff_client, client):
        from tests.signing import token

        app = ApplicationFactory(integration=True)
        params = {"client_id": str(app.client_id), "client_secret": app.secret, "grant_type": "client_credentials"}
        first = token(client, **params)  # signed: no access-token row
        token(client, client_id=str(app.client_id), grant_type="refresh_token", refresh_token=first["refresh_token"])
        rows = {a.pk: a for a in staff_client.get(app_url("changelist")).context["cl"].result_list}
        assert (rows[app.pk].tokens_24h, rows[app.pk].live_sessions) == (2, 1)

    def test_the_live_sessions_number_links_to_that_applications_sessions(self, staff_client):
        app = ApplicationFactory()
        RefreshTokenFactory(application=app)
        html = staff_client.get(app_url("changelist")).content.decode()
        assert f"/admin/flex_auth_django/session/?application__id__exact={app.pk}" in html

    def test_the_list_costs_the_same_queries_for_one_or_many_applications(self, staff_client):
        def queries() -> int:
            with CaptureQueriesContext(connection) as ctx:
                assert staff_client.get(app_url("changelist")).status_code == 200
            return len(ctx)

        app = ApplicationFactory()
        RefreshTokenFactory(application=app)
        one = queries()
        for _ in range(6):
            more = ApplicationFactory()
            RefreshTokenFactory(application=more)
            AccessTokenFactory(application=more)
        assert queries() == one


class TestCreate:
    def test_the_add_form_asks_only_for_name_and_api_type(self, staff_client):
        response = staff_client.get(app_url("add"))
        assert response.status_code == 200
        form = response.context["adminform"].form
        assert [field.name for field in form.visible_fields()] == ["name", "api_type"]
        assert [value for value, _ in form.fields["api_type"].choices] == ["marketplace", "integration"]
        html = response.content.decode()
        assert "_addanother" not in html and "_continue" not in html
        assert "shown once" in html

    @pytest.mark.parametrize("api_type", ApiType.values)
    def test_creating_shows_client_id_and_a_working_secret_once(self, staff_client, token_endpoint, api_type):
        response = staff_client.post(app_url("add"), new_app(name="Shop", api_type=api_type))
        secret = shown_secret(response)
        app = Application.objects.get()
        assert (app.name, app.api_type, app.is_active) == ("Shop", api_type, True)
        html = response.content.decode()
        assert str(app.client_id) in html and secret in html
        assert "will not be shown again" in html
        assert 'class="button flex-copy"' in html
        assert "no-store" in response["Cache-Control"] and response["Pragma"] == "no-cache"
        # Stored as a digest and its last 4 only.
        assert digests.verify(secret, app.client_secret_digest) and app.client_secret_last4 == secret[-4:]
        assert secret not in app.client_secret_digest
        # It works at the token endpoint.
        assert token_endpoint.post(client_credentials(app, client_secret=secret)).status_code == 200

    def test_the_secret_is_not_shown_again(self, staff_client):
        secret = shown_secret(staff_client.post(app_url("add"), new_app(name="Shop", api_type="integration")))
        app = Application.objects.get()
        for url in (app_url("change", app.pk), app_url("changelist"), app_url("history", app.pk)):
            html = staff_client.get(url).content.decode()
            assert secret not in html, url
        change = staff_client.get(app_url("change", app.pk)).content.decode()
        assert f"&hellip;{secret[-4:]}" in change or f"…{secret[-4:]}" in change

    def test_the_secret_is_kept_nowhere(self, staff_client, caplog):
        caplog.set_level("DEBUG")
        response = staff_client.post(app_url("add"), new_app(name="Shop", api_type="integration"))
        secret = shown_secret(response)
        entry = LogEntry.objects.get()
        assert entry.action_flag == ADDITION
        assert secret not in entry.change_message and secret not in entry.object_repr
        assert secret not in str(dict(staff_client.session))
        assert all(secret not in morsel.value for morsel in response.cookies.values())
        assert not list(response.context["messages"])
        assert secret not in caplog.text

    def test_resubmitting_the_form_does_not_create_a_second_application(self, staff_client):
        data = new_app(name="Shop", api_type="integration")
        first = shown_secret(staff_client.post(app_url("add"), data))
        again = staff_client.post(app_url("add"), data)  # the browser's reload of the one-time page
        assert again.status_code == 200 and "client_secret" not in again.context
        assert "already submitted" in again.content.decode()
        assert first not in again.content.decode()
        assert Application.objects.count() == 1
        # A fresh form works.
        shown_secret(staff_client.post(app_url("add"), new_app(name="Shop 2", api_type="integration")))
        assert Application.objects.count() == 2

    def test_two_racing_submissions_of_one_form_create_one_application(self, staff_client, monkeypatch):
        from flex_auth_django.admin.forms import ApplicationCreateForm

        data = new_app(name="Shop", api_type="integration")
        # The other request validated the same form too and claims it between this one's
        # validation and its save.
        monkeypatch.setattr(ApplicationCreateForm, "clean_submission", lambda form: form.cleaned_data["submission"])
        other = ApplicationCreateForm(data)
        assert other.is_valid() and other.claim_submission()
        response = staff_client.post(app_url("add"), data)
        assert response.status_code == 403
        assert not Application.objects.exists()

    def test_the_api_type_is_required_and_validated(self, staff_client):
        for data in ({"name": "Shop"}, {"name": "Shop", "api_type": "superuser"}, {"api_type": "integration"}):
            response = staff_client.post(app_url("add"), new_app(**data))
            assert response.status_code == 200
            assert response.context["adminform"].form.errors
            assert "client_secret" not in response.context
        assert not Application.objects.exists()

    def test_other_fields_cannot_be_set_at_creation(self, staff_client):
        staff_client.post(app_url("add"), new_app(name="Shop", api_type="marketplace", is_active="", client_id="x"))
        app = Application.objects.get()
        assert app.is_active and str(app.client_id) != "x"


class TestChange:
    def test_shows_the_last_4_characters_and_activity_only(self, staff_client):
        app = ApplicationFactory()
        response = staff_client.get(app_url("change", app.pk))
        html = response.content.decode()
        assert app.secret[-4:] in html and app.secret not in html and app.client_secret_digest not in html
        # The name, and for a Marketplace application its Marketplace URL (Login as user).
        assert list(response.context["adminform"].form.fields) == ["name", "marketplace_url"]
        for label in ("Regenerate client secret", "Deactivate", "Revoke all tokens", "Sessions (0)"):
            assert label in html

    def test_only_the_name_can_be_changed(self, staff_client):
        app = ApplicationFactory(name="Old")
        response = staff_client.post(
            app_url("change", app.pk), {"name": "New", "api_type": "integration", "is_active": "", "_save": "1"}
        )
        assert response.status_code == 302
        app.refresh_from_db()
        assert (app.name, app.api_type, app.is_active) == ("New", "marketplace", True)
        assert LogEntry.objects.get().action_flag == CHANGE

    def test_a_rename_does_not_write_back_a_secret_regenerated_meanwhile(self, staff_client, monkeypatch):
        app = ApplicationFactory(integration=True)
        stale = Application.objects.get(pk=app.pk)  # what the rename request loaded
        new_secret = regenerate_secret(app)  # another admin, between that load and the save
        monkeypatch.setattr(ApplicationAdmin, "get_object", lambda self, request, object_id, from_field=None: stale)
        staff_client.post(app_url("change", app.pk), {"name": "Renamed", "_save": "1"})
        app.refresh_from_db()
        assert app.name == "Renamed"
        assert digests.verify(new_secret, app.client_secret_digest)


class TestDelete:
    def test_the_delete_page_lists_tokens_without_values_or_digests(self, staff_client):
        app = ApplicationFactory()
        refresh = RefreshTokenFactory(application=app)
        access = AccessTokenFactory(application=app)
        html = staff_client.get(app_url("delete", app.pk)).content.decode()
        assert f"RefreshToken #{refresh.pk}" in html
        for value in (app.secret, app.client_secret_digest, refresh.raw, refresh.digest, access.raw, access.digest):
            assert value not in html


class TestRegenerateSecret:
    def test_get_asks_for_confirmation_and_changes_nothing(self, staff_client):
        app = ApplicationFactory()
        response = staff_client.get(app_url("regenerate_secret", app.pk))
        assert response.status_code == 200
        assert "stops working immediately" in response.content.decode()
        app.refresh_from_db()
        assert digests.verify(app.secret, app.client_secret_digest)

    def test_post_shows_the_new_secret_once_and_the_old_one_stops_working(self, staff_client, token_endpoint):
        app = ApplicationFactory(integration=True)
        response = staff_client.post(app_url("regenerate_secret", app.pk), {"confirm": "True"})
        new = shown_secret(response)
        assert new != app.secret and new in response.content.decode()
        assert "no-store" in response["Cache-Control"]
        old_answer = token_endpoint.post(client_credentials(app, client_secret=app.secret))
        assert old_answer.status_code == 401 and old_answer.json()["error"] == "invalid_client"
        assert token_endpoint.post(client_credentials(app, client_secret=new)).status_code == 200
        entry = LogEntry.objects.get()
        assert entry.get_change_message() == "Regenerated the client secret."
        assert new not in staff_client.get(app_url("change", app.pk)).content.decode()

    def test_the_new_secret_is_kept_nowhere(self, staff_client, caplog):
        caplog.set_level("DEBUG")
        app = ApplicationFactory(integration=True)
        RefreshTokenFactory(integration=True, application=app)
        response = staff_client.post(app_url("regenerate_secret", app.pk), {"confirm": "True", "revoke_tokens": "on"})
        new = shown_secret(response)
        assert "revoked" in caplog.text  # the audit log saw the revocation ...
        assert new not in caplog.text and app.secret not in caplog.text  # ... but no secret
        entry = LogEntry.objects.get()
        assert new not in entry.change_message and new[-4:] not in entry.change_message
        assert new not in str(dict(staff_client.session))
        assert all(new not in morsel.value for morsel in response.cookies.values())

    def test_tokens_survive_unless_asked_to_revoke_them(self, staff_client):
        app = ApplicationFactory(integration=True)
        kept = RefreshTokenFactory(integration=True, application=app)
        staff_client.post(app_url("regenerate_secret", app.pk), {"confirm": "True"})
        kept.refresh_from_db()
        assert kept.revoked is None
        staff_client.post(app_url("regenerate_secret", app.pk), {"confirm": "True", "revoke_tokens": "on"})
        kept.refresh_from_db()
        assert kept.revoked is not None

    def test_a_post_without_the_confirmation_field_does_nothing(self, staff_client):
        app = ApplicationFactory()
        response = staff_client.post(app_url("regenerate_secret", app.pk), {})
        assert response.status_code == 200 and "client_secret" not in response.context
        app.refresh_from_db()
        assert digests.verify(app.secret, app.client_secret_digest)

    def test_an_unknown_application_redirects_with_a_message(self, staff_client):
        response = staff_client.post(app_url("regenerate_secret", 999999), {"confirm": "True"}, follow=True)
        assert response.redirect_chain and "doesn’t exist" in response.content.decode()


class TestActivation:
    def test_deactivate_then_reactivate(self, staff_client, token_endpoint):
        app = ApplicationFactory(integration=True)
        assert staff_client.get(app_url("deactivate", app.pk)).status_code == 200  # confirmation only
        app.refresh_from_db()
        assert app.is_active

        response = staff_client.post(app_url("deactivate", app.pk), {"confirm": "True"})
        assert response.status_code == 302 and response["Location"] == app_url("change", app.pk)
        app.refresh_from_db()
        assert not app.is_active
        assert token_endpoint.post(client_credentials(app, client_secret=app.secret)).status_code == 401
        assert "Reactivate" in staff_client.get(app_url("change", app.pk)).content.decode()

        staff_client.post(app_url("reactivate", app.pk), {"confirm": "True"})
        app.refresh_from_db()
        assert app.is_active
        assert token_endpoint.post(client_credentials(app, client_secret=app.secret)).status_code == 200
        assert [e.get_change_message() for e in LogEntry.objects.order_by("pk")] == ["Deactivated.", "Reactivated."]

    def test_deactivating_an_inactive_application_logs_nothing(self, staff_client):
        app = ApplicationFactory(inactive=True)
        staff_client.post(app_url("deactivate", app.pk), {"confirm": "True"})
        assert not LogEntry.objects.exists()


class TestRevokeTokens:
    def test_revokes_every_token_of_the_application_only(self, staff_client):
        app, other = ApplicationFactory(), ApplicationFactory()
        family = RefreshTokenFactory(application=app)
        access = AccessTokenFactory(application=app, family=family.family)
        anonymous = AccessTokenFactory(application=app, anonymous=True)
        untouched = RefreshTokenFactory(application=other)
        confirm = staff_client.get(app_url("revoke_tokens", app.pk))
        assert "1 live session" in confirm.content.decode()
        response = staff_client.post(app_url("revoke_tokens", app.pk), {"confirm": "True"}, follow=True)
        assert "Revoked 3 tokens" in response.content.decode()
        for row in (family, access, anonymous, untouched):
            row.refresh_from_db()
        assert family.revoked and access.revoked and anonymous.revoked
        assert untouched.revoked is None
        assert LogEntry.objects.get().get_change_message() == "Revoked 3 tokens."


class TestListActions:
    def post_action(self, client, action, apps, **extra):
        data = {"action": action, "_selected_action": [a.pk for a in apps], **extra}
        return client.post(app_url("changelist"), data)

    def test_deactivate_and_reactivate_selected(self, staff_client):
        a, b, c = ApplicationFactory(), ApplicationFactory(), ApplicationFactory()
        self.post_action(staff_client, "deactivate_selected", [a, b])
        assert set(Application.objects.filter(is_active=False)) == {a, b}
        self.post_action(staff_client, "reactivate_selected", [a])
        assert set(Application.objects.filter(is_active=False)) == {b}
        assert c.is_active

    def test_revoke_tokens_selected_asks_first(self, staff_client):
        a, b = ApplicationFactory(), ApplicationFactory()
        ra, rb = RefreshTokenFactory(application=a), RefreshTokenFactory(application=b)
        confirm = self.post_action(staff_client, "revoke_tokens_selected", [a])
        assert confirm.status_code == 200 and 'name="post" value="yes"' in confirm.content.decode()
        assert not RefreshToken.objects.filter(revoked__isnull=False).exists()
        done = self.post_action(staff_client, "revoke_tokens_selected", [a], post="yes")
        assert done.status_code == 302
        ra.refresh_from_db()
        rb.refresh_from_db()
        assert ra.revoked is not None and rb.revoked is None
        assert not AccessToken.objects.filter(application=b, revoked__isnull=False).exists()


class TestReloadingTheSecretPage:
    """Issue 14 part 5: a reload re-sends the creation form; it gets a page with a message and ways on."""

    def test_says_what_happened_and_links_to_the_application(self, staff_client):
        data = new_app(name="Shop", api_type="integration")
        first = shown_secret(staff_client.post(app_url("add"), data))
        again = staff_client.post(app_url("add"), data)
        html = again.content.decode()
        app = Application.objects.get()
        assert again.status_code == 200 and "no-store" in again["Cache-Control"]
        assert "Please correct the error" not in html and first not in html
        assert 'id="flex-resubmitted"' in html and "cannot be shown again" in html
        assert app_url("change", app.pk) in html  # "Open “Shop”"
        assert app_url("regenerate_secret", app.pk) in html
        assert app_url("add") in html and app_url("changelist") in html
