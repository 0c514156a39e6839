"""System check: the "Log in as user" button reaches the admin's user page."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.core import checks
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

OBJECT_TOOLS = "admin/change_form_object_tools.html"
OURS = Path(__file__).resolve().parent.parent / "templates" / OBJECT_TOOLS


@checks.register(checks.Tags.templates)
def check_login_as_button(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if not apps.is_installed("django.contrib.admin"):
        return []
    try:
        origin = get_template(OBJECT_TOOLS).origin.name
    except TemplateDoesNotExist:
        return []
    if Path(origin).resolve() == OURS:
        return []
    return [
        checks.Warning(
            f"The “Log in as user” button is not on the admin's user page: {OBJECT_TOOLS} comes from {origin}.",
            hint=(
                "List 'flex_auth_django' before 'django.contrib.admin' in INSTALLED_APPS, or add "
                "{% load flex_login_as %}{% login_as_button %} to your own object tools and silence "
                "flex_auth.W030 (https://flex-auth-django.readthedocs.io/en/latest/guides/login-as.html)."
            ),
            id="flex_auth.W030",
        )
    ]
