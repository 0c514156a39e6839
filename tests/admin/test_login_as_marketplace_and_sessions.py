"""The admin side of Login as user: Marketplace URLs on applications, Login-as sessions listed and revocable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from flex_auth_django.models import AccessToken, Application, Session
from tests.admin.conftest import app_url, session_url
from tests.console import make_code
from tests.factories import ApplicationFactory, RefreshTokenFactory

pytestmark = pytest.mark.django_db


class TestMarketplaceUrl:
    @pytest.mark.parametrize(
        "typed, stored",
        [
            ("https://shop.example.com", "https://shop.example.com"),
            ("https://shop.example.com/", "https://shop.example.com"),
            ("https://shop.example.com:8443", "https://shop.example.com:8443"),
            ("http://localhost:4000", "http://localhost:4000"),
            ("http://127.0.0.1:4000/", "http://127.0.0.1:4000"),
            ("", ""),
        ],
    )
    def test_saved_as_an_origin_without_trailing_slash(self, staff_client, typed, stored):
        app = ApplicationFactory()
        response = staff_client.post(app_url("change", app.pk), {"name": app.name, "marketplace_url": typed})
        assert response.status_code == 302, response.context["adminform"].form.errors
        app.refresh_from_db()
        assert app.marketplace_url == stored

    @pytest.mark.parametrize(
        "typed",
        [
            "http://shop.example.com",  # http off localhost
            "https://shop.example.com/app",  # a path
            "https://shop.example.com?x=1",
            "https://shop.example.com#x",
            "https://user@shop.example.com",
            "https://shop.example.com:99999",
            "https://shop.example.com:",
            "ftp://shop.example.com",
            "shop.example.com",
            "//shop.example.com",
            "https://",
            "https://shop example.com",
            "https://shop.example.com//",
            "javascript:alert(1)",
        ],
    )
    def test_refused_unless_an_https_origin(self, staff_client, typed):
        app = ApplicationFactory(marketplace_url="https://kept.example.com")
        response = staff_client.post(app_url("change", app.pk), {"name": app.name, "marketplace_url": typed})
        assert response.status_code == 200
        assert "marketplace_url" in response.context["adminform"].form.errors
        app.refresh_from_db()
        assert app.marketplace_url == "https://kept.example.com"

    def test_shown_in_the_list(self, staff_client):
        ApplicationFactory(marketplace_url="https://listed.example.com")
        html = staff_client.get(app_url("changelist")).content.decode()
        # Under the API type: the host, with the whole URL on hover.
        # It may wrap after a dot only (tests/admin/test_browser_console.py: never mid-word).
        assert 'class="flex-marketplace-url" title="https://listed.example.com">listed.<wbr>example.<wbr>com<' in html

    def test_integration_applications_have_none(self, staff_client):
        app = ApplicationFactory(integration=True)
        response = staff_client.get(app_url("change", app.pk))
        assert list(response.context["adminform"].form.fields) == ["name"]
        staff_client.post(app_url("change", app.pk), {"name": "Renamed", "marketplace_url": "https://x.example.com"})
        app.refresh_from_db()
        assert (app.name, app.marketplace_url) == ("Renamed", "")

    def test_the_model_refuses_a_trailing_slash(self):
        app = Application(name="x", api_type="marketplace", marketplace_url="https://x.example.com/")
        with pytest.raises(ValidationError):
            app.full_clean(exclude=["client_secret_digest", "client_secret_last4"])


class TestLoginAsSessions:
    def login_as(self, token_endpoint):
        code = make_code()
        assert token_endpoint.post(code.token_params()).status_code == 200
        return code

    def test_listed_with_who_acted(self, staff_client, token_endpoint):
        code = self.login_as(token_endpoint)
        RefreshTokenFactory()  # an ordinary session beside it
        response = staff_client.get(session_url("changelist"))
        html = response.content.decode()
        assert response.status_code == 200
        row = next(r for r in html.split("<tr") if code.user.email in r and "flex-acted-by" in r)
        assert f"acted by <strong>{code.staff.email}</strong>" in row
        assert "Login as user" in row  # the kind column
        ordinary = [r for r in html.split("<tr") if "field-user_link" in r and "flex-acted-by" not in r]
        assert len(ordinary) == 1  # the user's own session names no one else
        assert "unissued$" not in html and "hmac-sha256$" not in html

    def test_filtered_by_kind(self, staff_client, token_endpoint):
        self.login_as(token_endpoint)
        RefreshTokenFactory()
        response = staff_client.get(session_url("changelist"), {"kind": "login_as"})
        assert [s.kind for s in response.context["cl"].result_list] == ["login_as"]

    def test_the_change_page_shows_the_staff_member(self, staff_client, token_endpoint):
        code = self.login_as(token_endpoint)
        session = Session.objects.live().get()
        html = staff_client.get(session_url("change", session.pk)).content.decode()
        assert code.staff.email in html and "Revoke this session" in html

    def test_revoked_there_the_token_stops_working(self, staff_client, client, token_endpoint):
        code = make_code()
        token = token_endpoint.post(code.token_params()).json()["access_token"]
        bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        assert client.get("/v1/api/current_user/show", **bearer).status_code == 200
        session = Session.objects.live().get()
        staff_client.post(session_url("revoke", session.pk), {"confirm": "True"})
        assert not Session.objects.live().exists()
        assert AccessToken.objects.get().revoked is not None
        assert client.get("/v1/api/current_user/show", **bearer).status_code == 401

    def test_expired_login_as_sessions_are_not_listed(self, staff_client, token_endpoint):
        self.login_as(token_endpoint)
        Session.objects.update(expires=timezone.now() - timedelta(seconds=1))
        assert list(staff_client.get(session_url("changelist")).context["cl"].result_list) == []

    def test_counted_as_live_sessions_of_the_application(self, staff_client, token_endpoint):
        code = self.login_as(token_endpoint)
        html = staff_client.get(app_url("changelist")).content.decode()
        row = next(r for r in html.split("<tr") if code.app.name in r)
        assert ">1</a>" in row
