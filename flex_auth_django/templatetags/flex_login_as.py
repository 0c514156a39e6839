"""`{% login_as_button %}`: the "Log in as user" form on a user's admin change page.

Renders nothing unless the page is the change page of AUTH_USER_MODEL, the visitor may
log in as this user, and some Marketplace application has a Marketplace URL. A site whose
user admin replaces the change form's object tools adds `{% load flex_login_as %}
{% login_as_button %}` to its own `object-tools-items` block.
"""

from __future__ import annotations

from django import template
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse

from ..admin.login_as import URL_NAME, login_as_applications
from ..console import rules
from ..settings import flex_settings

register = template.Library()


@register.inclusion_tag("admin/flex_auth_django/login_as_button.html", takes_context=True)
def login_as_button(context) -> dict:
    request = context.get("request")
    opts, original = context.get("opts"), context.get("original")
    shown = {"show": False}
    if request is None or original is None or opts is None or opts.concrete_model is not get_user_model():
        return shown
    if rules.refusal(getattr(request, "user", None), original) is not None:
        return shown
    applications = list(login_as_applications().order_by("name"))
    if not applications:
        return shown
    admin_site = getattr(request, "current_app", None) or "admin"
    try:
        action = reverse(f"admin:{URL_NAME}", args=[original.pk], current_app=admin_site)
    except NoReverseMatch:
        return shown
    return {
        "show": True,
        "action": action,
        "applications": applications,
        "csrf_token": context.get("csrf_token"),
        "minutes": max(1, flex_settings.LOGIN_AS_TOKEN_LIFETIME // 60),
    }
