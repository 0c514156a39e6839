"""The admin's "Log in as user" button: a POST that records the intent and sends the browser to the marketplace.

Added to the user's change page whatever AUTH_USER_MODEL is, without touching the site's
user admin: the button is rendered in the change form's object tools (the template
`admin/change_form_object_tools.html`, or `{% login_as_button %}` in a site's own) and
posts to a URL of the sessions admin, since what it starts is a session. The form may
carry `target_path`, the marketplace page to open once signed in, as Console's link
does; it is passed on only when it is a same-origin path (console/target_path.py).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import reverse

from ..console import intents, marketplace_url, rules, target_path
from ..models import ApiType, Application

URL_NAME = "flex_auth_django_session_login_as"


def login_as_applications() -> QuerySet:
    """The applications an operator can log in through: active Marketplace apps with a Marketplace URL."""
    return Application.objects.filter(api_type=ApiType.MARKETPLACE, is_active=True).exclude(marketplace_url="")


def user_change_url(admin_site_name: str, user) -> str:
    opts = get_user_model()._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[user.pk], current_app=admin_site_name)


def _target(user_id: str):
    try:
        return get_user_model()._default_manager.filter(pk=unquote(user_id)).first()
    except (ValueError, TypeError, ValidationError):
        return None


def _chosen(request: HttpRequest, choices: list[Application]) -> Application | None:
    """The application the form named; the only one may be left implicit."""
    value = request.POST.get("application", "")
    if not value and len(choices) == 1:
        return choices[0]
    return next((app for app in choices if str(app.pk) == value), None)


def start_login_as(request: HttpRequest, user_id: str, admin_site_name: str) -> HttpResponse:
    """POST <admin>/flex_auth_django/session/login-as/<user pk>/ (CSRF-protected by the admin)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    staff = request.user
    if not rules.may_act(staff):
        raise PermissionDenied
    target = _target(user_id)
    if target is None:
        raise PermissionDenied  # as for a missing permission: which users exist is not revealed here
    back = HttpResponseRedirect(user_change_url(admin_site_name, target))
    refusal = rules.refusal(staff, target)
    if refusal is not None:
        messages.error(request, refusal)
        return back
    choices = list(login_as_applications())
    if not choices:
        messages.error(request, "Set a Marketplace URL on a Marketplace application first.")
        return back
    application = _chosen(request, choices)
    if application is None:
        messages.error(request, "Choose the marketplace to log in to.")
        return back
    try:
        path = target_path.clean(request.POST.get("target_path", "").strip())
    except target_path.InvalidTargetPath as refused:
        messages.error(request, str(refused))
        return back
    key = rules.user_key(target)
    intents.record(request, staff_key=rules.user_key(staff), user_key=key, client_id=str(application.client_id))
    return HttpResponseRedirect(marketplace_url.initiate_url(application.marketplace_url, key, path))
