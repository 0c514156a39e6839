"""The admin registrations pass Django's system checks, including the deployment ones."""

from __future__ import annotations

from django.contrib import admin
from django.core import checks

from flex_auth_django.models import AccessToken, Application, RefreshToken, Session


def test_no_admin_check_errors_or_warnings():
    found = checks.run_checks(include_deployment_checks=True)
    assert [m for m in found if m.id and m.id.startswith("admin.")] == []


def test_raw_token_admins_are_not_registered():
    assert admin.site.is_registered(Application) and admin.site.is_registered(Session)
    assert not admin.site.is_registered(AccessToken)
    assert not admin.site.is_registered(RefreshToken)
