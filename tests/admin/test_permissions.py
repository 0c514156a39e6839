"""Only staff with the model permissions see or change anything: every page and action, every kind of visitor."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry

from flex_auth_django.models import Application, RefreshToken
from tests.admin.conftest import ALL_PERMS, VIEW_PERMS, app_url, grant, new_app, session_url
from tests.factories import ApplicationFactory, RefreshTokenFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def target():
    app = ApplicationFactory(integration=True, name="Target")
    inactive = ApplicationFactory(inactive=True, name="Dormant")
    session = RefreshTokenFactory(integration=True, application=app)
    return {"app": app, "inactive": inactive, "session": session}


def snapshot(target) -> tuple:
    app = Application.objects.get(pk=target["app"].pk)
    return (
        Application.objects.count(),
        app.name,
        app.is_active,
        app.client_secret_digest,
        Application.objects.get(pk=target["inactive"].pk).is_active,
        RefreshToken.objects.filter(revoked__isnull=False).count(),
        LogEntry.objects.count(),
    )


# (name, url(target)) of every page, read with GET.
PAGES = [
    ("app list", lambda t: app_url("changelist")),
    ("app add", lambda t: app_url("add")),
    ("app change", lambda t: app_url("change", t["app"].pk)),
    ("app history", lambda t: app_url("history", t["app"].pk)),
    ("app delete", lambda t: app_url("delete", t["app"].pk)),
    ("regenerate", lambda t: app_url("regenerate_secret", t["app"].pk)),
    ("deactivate", lambda t: app_url("deactivate", t["app"].pk)),
    ("reactivate", lambda t: app_url("reactivate", t["inactive"].pk)),
    ("revoke tokens", lambda t: app_url("revoke_tokens", t["app"].pk)),
    ("session list", lambda t: session_url("changelist")),
    ("session detail", lambda t: session_url("change", t["session"].pk)),
    ("session revoke", lambda t: session_url("revoke", t["session"].pk)),
]

# (name, url(target), data(target)) of every state-changing POST.
ACTIONS = [
    ("create", lambda t: app_url("add"), lambda t: new_app(name="Sneaky", api_type="integration")),
    ("rename", lambda t: app_url("change", t["app"].pk), lambda t: {"name": "Renamed", "_save": "1"}),
    ("delete", lambda t: app_url("delete", t["app"].pk), lambda t: {"post": "yes"}),
    ("regenerate", lambda t: app_url("regenerate_secret", t["app"].pk), lambda t: {"confirm": "True"}),
    ("deactivate", lambda t: app_url("deactivate", t["app"].pk), lambda t: {"confirm": "True"}),
    ("reactivate", lambda t: app_url("reactivate", t["inactive"].pk), lambda t: {"confirm": "True"}),
    ("revoke tokens", lambda t: app_url("revoke_tokens", t["app"].pk), lambda t: {"confirm": "True"}),
    *[
        (
            f"list action {action}",
            lambda t: app_url("changelist"),
            lambda t, action=action: {
                "action": action,
                "_selected_action": [t["app"].pk, t["inactive"].pk],
                "post": "yes",
            },
        )
        for action in ("deactivate_selected", "reactivate_selected", "revoke_tokens_selected", "delete_selected")
    ],
    (
        "revoke selected sessions",
        lambda t: session_url("changelist"),
        lambda t: {"action": "revoke_selected", "_selected_action": [t["session"].pk]},
    ),
    ("revoke session", lambda t: session_url("revoke", t["session"].pk), lambda t: {"confirm": "True"}),
]

page_ids = [name for name, _ in PAGES]
action_ids = [name for name, *_ in ACTIONS]


def as_visitor(client, kind: str):
    if kind == "anonymous":
        return client
    if kind == "non-staff with every permission":
        user = grant(UserFactory(is_staff=False), *ALL_PERMS)
    elif kind == "staff without permissions":
        user = UserFactory(is_staff=True)
    else:
        user = grant(UserFactory(is_staff=True), *VIEW_PERMS)
    client.force_login(user)
    return client


@pytest.mark.parametrize("kind", ["anonymous", "non-staff with every permission"])
class TestOutsiders:
    @pytest.mark.parametrize(("name", "url"), PAGES, ids=page_ids)
    def test_pages_send_them_to_the_login(self, client, target, kind, name, url):
        response = as_visitor(client, kind).get(url(target))
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")

    @pytest.mark.parametrize(("name", "url", "data"), ACTIONS, ids=action_ids)
    def test_actions_change_nothing(self, client, target, kind, name, url, data):
        before = snapshot(target)
        response = as_visitor(client, kind).post(url(target), data(target))
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
        assert snapshot(target) == before


class TestStaffWithoutPermissions:
    @pytest.mark.parametrize(("name", "url"), PAGES, ids=page_ids)
    def test_pages_are_forbidden(self, client, target, name, url):
        assert as_visitor(client, "staff without permissions").get(url(target)).status_code == 403

    @pytest.mark.parametrize(("name", "url", "data"), ACTIONS, ids=action_ids)
    def test_actions_are_forbidden(self, client, target, name, url, data):
        before = snapshot(target)
        response = as_visitor(client, "staff without permissions").post(url(target), data(target))
        assert response.status_code == 403
        assert snapshot(target) == before

    def test_the_admin_index_does_not_list_the_models(self, client, target):
        html = as_visitor(client, "staff without permissions").get("/admin/").content.decode()
        assert "/admin/flex_auth_django/" not in html


class TestViewOnlyStaff:
    READABLE = {"app list", "app change", "app history", "session list", "session detail"}

    @pytest.mark.parametrize(("name", "url"), PAGES, ids=page_ids)
    def test_can_read_but_not_open_actions(self, client, target, name, url):
        response = as_visitor(client, "view-only staff").get(url(target))
        assert response.status_code == (200 if name in self.READABLE else 403)

    @pytest.mark.parametrize(("name", "url", "data"), ACTIONS, ids=action_ids)
    def test_actions_change_nothing(self, client, target, name, url, data):
        before = snapshot(target)
        response = as_visitor(client, "view-only staff").post(url(target), data(target))
        if name.startswith(("list action", "revoke selected")):
            # The changelist is readable, but it offers no such action.
            assert response.status_code in (200, 302)
        else:
            assert response.status_code == 403
        assert snapshot(target) == before

    def test_sees_no_action_buttons(self, client, target):
        visitor = as_visitor(client, "view-only staff")
        change = visitor.get(app_url("change", target["app"].pk))
        html = change.content.decode()
        for label in ("Regenerate client secret", "Deactivate", "Revoke all tokens"):
            assert label not in html, label
        assert "Sessions (1)" in html
        assert target["app"].client_secret_last4 in html
        listing = visitor.get(app_url("changelist"))
        assert listing.context["action_form"] is None or not [
            n for n, _ in listing.context["action_form"].fields["action"].choices if n
        ]
        session = visitor.get(session_url("change", target["session"].pk)).content.decode()
        assert "Revoke this session" not in session

    def test_without_view_session_the_sessions_link_is_hidden(self, client, target):
        user = grant(UserFactory(is_staff=True), "view_application")
        client.force_login(user)
        html = client.get(app_url("change", target["app"].pk)).content.decode()
        assert "Sessions (" not in html
        assert client.get(session_url("changelist")).status_code == 403


class TestNarrowPermissions:
    def test_revoking_a_session_needs_revoke_session_not_just_change_application(self, client, target):
        client.force_login(grant(UserFactory(is_staff=True), "view_application", "change_application", "view_session"))
        assert client.post(session_url("revoke", target["session"].pk), {"confirm": "True"}).status_code == 403
        client.post(
            session_url("changelist"), {"action": "revoke_selected", "_selected_action": [target["session"].pk]}
        )
        target["session"].refresh_from_db()
        assert target["session"].revoked is None

    def test_creating_needs_add_application(self, client, target):
        client.force_login(grant(UserFactory(is_staff=True), "view_application", "change_application"))
        assert client.post(app_url("add"), new_app(name="X", api_type="marketplace")).status_code == 403
        assert not Application.objects.filter(name="X").exists()

    def test_add_only_staff_can_create_and_sees_the_secret_once(self, client, target):
        client.force_login(grant(UserFactory(is_staff=True), "add_application"))
        response = client.post(app_url("add"), new_app(name="X", api_type="marketplace"))
        assert response.status_code == 200 and response.context["client_secret"]
        assert response.context["continue_url"] == "/admin/"  # not a change page it may not open
