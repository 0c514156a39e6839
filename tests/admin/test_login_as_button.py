"""The admin's "Log in as user" button on the user's change page (spec: Login as user, step 1)."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from flex_auth_django.console import intents
from tests.admin.conftest import grant
from tests.console import MARKETPLACE_URL, marketplace
from tests.factories import ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db


def user_admin_permissions():
    return Permission.objects.filter(content_type__app_label="auth", codename__in=("view_user", "change_user"))


def user_page(user) -> str:
    opts = get_user_model()._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[user.pk])


def start_url(user) -> str:
    return reverse("admin:flex_auth_django_session_login_as", args=[user.pk])


@pytest.fixture
def operator(client):
    """Staff (not superuser) who may view users and log in as them."""
    staff = UserFactory(is_staff=True)
    grant(staff, "login_as_user")
    staff.user_permissions.add(*user_admin_permissions())
    client.force_login(staff)
    client.staff = staff
    return client


def button(response) -> str:
    html = response.content.decode()
    start = html.rfind("<form", 0, html.find('id="flex-login-as-form"'))
    return html[start : html.find("</form>", start)] if 'id="flex-login-as-form"' in html else ""


class TestButton:
    def test_shown_on_the_user_page_as_a_post_form_with_csrf(self, operator):
        app = marketplace()
        response = operator.get(user_page(UserFactory()))
        form = button(response)
        assert 'method="post"' in form and "csrfmiddlewaretoken" in form
        assert f'name="application" value="{app.pk}"' in form  # one application: no chooser
        assert "<select" not in form
        assert "Log in as user" in form

    def test_a_chooser_when_several_applications_have_a_marketplace_url(self, operator):
        first = marketplace(name="Alpha shop")
        second = marketplace(name="Beta shop", marketplace_url="https://beta.example.com")
        ApplicationFactory(name="No URL")  # not offered
        ApplicationFactory(integration=True)
        form = button(operator.get(user_page(UserFactory())))
        assert '<select name="application"' in form
        assert f'value="{first.pk}"' in form and f'value="{second.pk}"' in form
        assert "No URL" not in form

    def test_not_shown_without_an_application_with_a_marketplace_url(self, operator):
        ApplicationFactory()
        assert button(operator.get(user_page(UserFactory()))) == ""

    def test_not_shown_for_staff_targets_to_non_superusers(self, operator):
        marketplace()
        assert button(operator.get(user_page(UserFactory(is_staff=True)))) == ""

    def test_not_shown_for_inactive_users(self, operator):
        marketplace()
        assert button(operator.get(user_page(UserFactory(is_active=False)))) == ""

    def test_not_shown_without_the_permission(self, client):
        marketplace()
        staff = UserFactory(is_staff=True)
        staff.user_permissions.add(*user_admin_permissions())
        client.force_login(staff)
        response = client.get(user_page(UserFactory()))
        assert response.status_code == 200 and button(response) == ""

    def test_not_on_other_change_pages(self, operator):
        app = marketplace()
        superuser = UserFactory(is_staff=True, is_superuser=True)
        operator.force_login(superuser)
        page = operator.get(reverse("admin:flex_auth_django_application_change", args=[app.pk]))
        assert page.status_code == 200 and button(page) == ""

    def test_superusers_see_it_for_staff(self, client):
        marketplace()
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        assert "Log in as user" in button(client.get(user_page(UserFactory(is_staff=True))))


class TestStart:
    def test_records_the_intent_and_redirects_to_initiate_login_as(self, operator):
        app, target = marketplace(), UserFactory()
        response = operator.post(start_url(target), {"application": app.pk})
        assert response.status_code == 302
        assert response["Location"] == f"{MARKETPLACE_URL}/api/initiate-login-as?user_id={target.pk}"
        pending = operator.session[intents.SESSION_KEY]
        assert len(pending) == 1
        intent = pending[0]
        assert intent["user"] == str(target.pk) and intent["staff"] == str(operator.staff.pk)
        assert intent["client_id"] == str(app.client_id)
        assert 55 <= intent["expires"] - time.time() <= 60

    def test_needs_csrf(self, db):
        app, target = marketplace(), UserFactory()
        staff = grant(UserFactory(is_staff=True, is_superuser=True), "login_as_user")
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(staff)
        response = strict.post(start_url(target), {"application": app.pk})
        assert response.status_code == 403
        assert intents.SESSION_KEY not in strict.session

    def test_get_does_nothing(self, operator):
        marketplace()
        response = operator.get(start_url(UserFactory()))
        assert response.status_code == 405
        assert intents.SESSION_KEY not in operator.session

    def test_the_chosen_application_when_several(self, operator):
        marketplace(name="Alpha")
        beta = marketplace(name="Beta", marketplace_url="http://localhost:4000")
        target = UserFactory()
        response = operator.post(start_url(target), {"application": beta.pk})
        assert response["Location"] == f"http://localhost:4000/api/initiate-login-as?user_id={target.pk}"
        assert operator.session[intents.SESSION_KEY][0]["client_id"] == str(beta.client_id)

    def test_several_and_none_chosen_is_refused(self, operator):
        marketplace(name="Alpha")
        marketplace(name="Beta", marketplace_url="https://beta.example.com")
        target = UserFactory()
        response = operator.post(start_url(target), follow=True)
        assert "Choose the marketplace" in response.content.decode()
        assert intents.SESSION_KEY not in operator.session

    def test_an_application_without_url_cannot_be_chosen(self, operator):
        marketplace()
        other = ApplicationFactory()
        response = operator.post(start_url(UserFactory()), {"application": other.pk})
        assert response.status_code == 302 and "initiate-login-as" not in response["Location"]
        assert intents.SESSION_KEY not in operator.session

    def test_staff_target_refused_for_non_superusers(self, operator):
        app = marketplace()
        response = operator.post(start_url(UserFactory(is_staff=True)), {"application": app.pk}, follow=True)
        assert "Only superusers may log in as staff members." in response.content.decode()
        assert intents.SESSION_KEY not in operator.session

    def test_without_the_permission_is_403(self, client):
        app = marketplace()
        client.force_login(UserFactory(is_staff=True))
        response = client.post(start_url(UserFactory()), {"application": app.pk})
        assert response.status_code == 403

    def test_unknown_user_is_403(self, operator):
        app = marketplace()
        for user_id in ("999999", "not-a-number", "%00"):
            response = operator.post(f"/admin/flex_auth_django/session/login-as/{user_id}/", {"application": app.pk})
            assert response.status_code == 403

    def test_anonymous_visitors_get_the_login_page(self, client):
        app = marketplace()
        response = client.post(start_url(UserFactory()), {"application": app.pk})
        assert response.status_code == 302 and "/admin/login/" in response["Location"]

    def test_each_press_adds_an_intent_up_to_a_few(self, operator):
        app = marketplace()
        targets = [UserFactory() for _ in range(intents.MAX_PENDING + 2)]
        for target in targets:
            operator.post(start_url(target), {"application": app.pk})
        pending = operator.session[intents.SESSION_KEY]
        assert [p["user"] for p in pending] == [str(t.pk) for t in targets[-intents.MAX_PENDING :]]
        query = parse_qs(urlsplit(f"{MARKETPLACE_URL}/api/initiate-login-as?user_id=1").query)
        assert query == {"user_id": ["1"]}


class TestTargetPath:
    """An optional page to open once signed in, passed on as `target_path` only when it is a same-origin path."""

    def test_the_button_has_an_optional_page_field(self, operator):
        marketplace()
        form = button(operator.get(user_page(UserFactory())))
        assert 'name="target_path"' in form and "required" not in form.split('name="target_path"')[1].split(">")[0]

    @pytest.mark.parametrize(
        "path",
        ["/", "/l/new-listing/1234", "/account/listings?tab=closed#top", "/s?address=Helsinki%2C%20Finland", "/ö"],
    )
    def test_a_path_is_passed_to_initiate_login_as(self, operator, path):
        app, target = marketplace(), UserFactory()
        response = operator.post(start_url(target), {"application": app.pk, "target_path": path})
        assert response.status_code == 302
        location = urlsplit(response["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == f"{MARKETPLACE_URL}/api/initiate-login-as"
        assert parse_qs(location.query) == {"user_id": [str(target.pk)], "target_path": [path]}
        assert len(operator.session[intents.SESSION_KEY]) == 1

    @pytest.mark.parametrize("path", ["", "   "])
    def test_no_path_sends_none(self, operator, path):
        app, target = marketplace(), UserFactory()
        response = operator.post(start_url(target), {"application": app.pk, "target_path": path})
        assert response["Location"] == f"{MARKETPLACE_URL}/api/initiate-login-as?user_id={target.pk}"

    @pytest.mark.parametrize(
        "path",
        [
            pytest.param("//evil.example/", id="protocol-relative"),
            pytest.param("/\\evil.example/", id="backslash"),
            pytest.param("\\evil.example", id="leading backslash"),
            pytest.param("https://evil.example/", id="absolute URL"),
            pytest.param("https:evil.example", id="scheme without slashes"),
            pytest.param("javascript:alert(1)", id="javascript"),
            pytest.param("account/listings", id="relative"),
            pytest.param("/a//b", id="double slash inside"),
            pytest.param("/\t/evil.example", id="tab"),
            pytest.param("/a\nLocation: https://evil.example", id="newline"),
            pytest.param("/a\x00b", id="NUL"),
            pytest.param("/a b", id="space"),
            pytest.param("/\u202eevil", id="bidi override"),
            pytest.param("/" + "a" * 1024, id="too long"),
        ],
    )
    def test_anything_else_is_refused_with_a_message_and_no_intent(self, operator, path):
        app, target = marketplace(), UserFactory()
        response = operator.post(start_url(target), {"application": app.pk, "target_path": path})
        assert response.status_code == 302 and response["Location"] == user_page(target)
        assert intents.SESSION_KEY not in operator.session
        page = operator.get(response["Location"]).content.decode()
        assert "The page to open must be a path on the marketplace" in page

    def test_the_longest_path_allowed_passes(self, operator):
        app, target = marketplace(), UserFactory()
        path = "/" + "a" * 1023
        response = operator.post(start_url(target), {"application": app.pk, "target_path": path})
        assert parse_qs(urlsplit(response["Location"]).query)["target_path"] == [path]


class TestCheck:
    def test_quiet_when_the_button_template_is_ours(self):
        from flex_auth_django.checks.console import check_login_as_button

        assert check_login_as_button(None) == []

    def test_warns_when_django_admin_comes_first(self, settings):
        from flex_auth_django.checks.console import check_login_as_button

        apps_list = [a for a in settings.INSTALLED_APPS if a != "flex_auth_django"]
        settings.INSTALLED_APPS = [*apps_list, "flex_auth_django"]  # after django.contrib.admin
        warnings = check_login_as_button(None)
        assert [w.id for w in warnings] == ["flex_auth.W030"]
