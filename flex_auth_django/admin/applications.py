"""The applications admin, Console-like: create, a one-time secret page, regenerate, (de)activate, revoke tokens.

A client secret is shown exactly once: the response to the POST that created or
regenerated it renders the secret directly instead of redirecting, so it never goes
into the session, the messages framework, the admin history (LogEntry) or a log.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_variables

from .. import applications
from ..models import ApiType, Application
from ..protocol.http import client_ip
from . import display
from .confirm import ConfirmedActionsMixin, confirmed_action, no_store
from .forms import ApplicationChangeForm, ApplicationCreateForm, ConfirmForm, RegenerateSecretForm
from .sessions import sessions_url
from .usage import application_usage

# Set on the request (never the session) between save_model() and response_add().
_SECRET_ATTR = "_flex_auth_one_time_secret"
SECRET_ONCE_TEMPLATE = "admin/flex_auth_django/application/secret_once.html"
# What the change form may save: never the secret, API type or state (those have confirmed actions).
EDITABLE = ("name", "marketplace_url")


class ApplicationAdmin(ConfirmedActionsMixin, admin.ModelAdmin):
    """API applications with their activity; credentials change only through confirmed actions."""

    # Fits 1366 px with the navigation sidebar open (tests/admin/test_browser.py measures it):
    # a name on at most two lines (a deactivated one says so under it), shortened client IDs
    # with a copy button, the day it was created (as Console's list shows it), a relative
    # "last used", other cells on one line.
    list_display = (
        "name_and_state",
        "api",
        "client_id_copy",
        "created_on",
        "last_used_ago",
        "tokens_24h",
        "live_sessions",
    )
    list_filter = ("api_type", "is_active")
    search_fields = ("name", "client_id", "legacy_client_id")
    form = ApplicationChangeForm
    add_form = ApplicationCreateForm
    actions = ("deactivate_selected", "reactivate_selected", "revoke_tokens_selected")
    object_actions = ("regenerate_secret", "deactivate", "reactivate", "revoke_tokens")
    change_fields = (
        "name",
        "marketplace_url",
        "api_type",
        "client_id_full",
        "client_secret",
        "is_active",
        "created_at",
        "last_used_at",
        "tokens_24h",
        "live_sessions",
    )

    # -- list and dashboard columns -------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return applications.with_activity(super().get_queryset(request))

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": _("Applications"), **(extra_context or {})})

    class Media:
        css = {"all": ("flex_auth_django/admin/flex_admin.css",)}
        js = ("flex_auth_django/admin/copy.js",)

    @admin.display(description=_("name"), ordering="name")
    def name_and_state(self, obj: Application) -> str:
        """The name, and "Deactivated" under it when it is (the list's "active" filter finds them all)."""
        if obj.is_active:
            return format_html('<span class="flex-name">{}</span>', obj.name)
        return format_html(
            '<span class="flex-name">{}</span><span class="flex-inactive">{}</span>', obj.name, _("Deactivated")
        )

    @admin.display(description=_("API type"), ordering="api_type")
    def api(self, obj: Application) -> str:
        """The API type, and under it the Marketplace URL's host (wrapping after its dots, so the list
        keeps its 1366 px and `localhost:3000` stays whole)."""
        label = obj.get_api_type_display().removesuffix(" API")
        if not obj.marketplace_url:
            return label
        return format_html(
            '{}<span class="flex-marketplace-url" title="{}">{}</span>',
            label,
            obj.marketplace_url,
            display.breakable_host(urlsplit(obj.marketplace_url).netloc),
        )

    @admin.display(description=_("client ID"), ordering="client_id")
    def client_id_copy(self, obj: Application) -> str:
        return display.client_id(obj, compact=True)

    @admin.display(description=_("client ID"))
    def client_id_full(self, obj: Application) -> str:
        return display.client_id(obj)

    @admin.display(description=_("created"), ordering="created")
    def created_on(self, obj: Application) -> str:
        return display.day(obj.created)

    @admin.display(description=_("last used"), ordering="last_used")
    def last_used_ago(self, obj: Application) -> str:
        return display.when(obj.last_used, compact=True, empty=_("never"))

    @admin.display(description=_("created"))
    def created_at(self, obj: Application) -> str:
        return display.when(obj.created)

    @admin.display(description=_("last used"))
    def last_used_at(self, obj: Application) -> str:
        return display.when(obj.last_used, empty=_("never"))

    @admin.display(description=_("client secret"))
    def client_secret(self, obj: Application) -> str:
        if not obj.client_secret_last4:  # imported from DOT still hashed, or without a secret
            return format_html("<span class='help'>{}</span>", _("(imported; only a hash is kept)"))
        return format_html(
            "<code>&hellip;{}</code> <span class='help'>{}</span>",
            obj.client_secret_last4,
            _("(only the last 4 characters are kept)"),
        )

    @admin.display(description=_("tokens (24\u00a0h)"), ordering="tokens_24h")  # the header wraps before "(24 h)"
    def tokens_24h(self, obj: Application) -> int:
        return getattr(obj, "tokens_24h", 0)

    @admin.display(description=_("sessions"), ordering="live_sessions")
    def live_sessions(self, obj: Application) -> str:
        count = getattr(obj, "live_sessions", 0)
        if obj.pk is None:
            return str(count)
        return format_html('<a href="{}">{}</a>', sessions_url(self.admin_site, application__id__exact=obj.pk), count)

    # -- forms ----------------------------------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        elif obj.api_type != ApiType.MARKETPLACE:
            kwargs["fields"] = ("name",)
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            description = _(
                "Choose a name and an API type. The client ID and client secret are generated; "
                "the secret is shown once, on the next page."
            )
            return [(None, {"fields": ("name", "api_type", "submission"), "description": description})]
        return [(None, {"fields": self._change_fields(obj)})]

    def _change_fields(self, obj: Application) -> tuple[str, ...]:
        # Only Marketplace applications have a Marketplace URL (Login as user).
        if obj.api_type == ApiType.MARKETPLACE:
            return self.change_fields
        return tuple(f for f in self.change_fields if f != "marketplace_url")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else tuple(f for f in self._change_fields(obj) if f not in EDITABLE)

    @sensitive_variables("secret")
    def save_model(self, request, obj, form, change):
        if change:
            # Only the name is editable; saving every column could write back a secret
            # digest that was regenerated while this request ran.
            obj.save(update_fields=[f for f in EDITABLE if f in form.cleaned_data])
            return
        if not form.claim_submission():
            raise PermissionDenied("This form was already submitted.")
        secret = applications.assign_new_secret(obj)
        obj.save()
        form.record_created(obj)
        setattr(request, _SECRET_ATTR, secret)

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "show_save_and_add_another": False, "show_save_and_continue": False}
        return super().add_view(request, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if add and form.has_error("submission", code="resubmitted"):
            # The browser's reload of the one-time secret page: the error sits on a hidden field,
            # so the add form would say "Please correct the error below." above nothing.
            return self.render_resubmitted(request, form.created_by(form.data.get("submission")))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def render_resubmitted(self, request: HttpRequest, created: int | bool | None) -> HttpResponse:
        """Reloading the one-time page: say the application exists and its secret is gone, and link on."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        obj = self.get_queryset(request).filter(pk=created).first() if isinstance(created, int) else None
        if obj is not None and not self.has_view_or_change_permission(request, obj):
            obj = None
        context = {
            **self.page_context(request, obj, _("Already created")),
            "can_regenerate": obj is not None and self.has_change_permission(request, obj),
        }
        return no_store(TemplateResponse(request, "admin/flex_auth_django/application/resubmitted.html", context))

    @sensitive_variables("secret")
    def response_add(self, request, obj, post_url_continue=None):
        secret = request.__dict__.pop(_SECRET_ATTR, None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        return self.render_secret_once(request, obj, secret, created=True)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        extra_context = {**(extra_context or {}), "flex_tools": self._tools(request, obj) if obj is not None else []}
        if obj is not None:
            extra_context["flex_usage"] = application_usage(obj)  # the charts (admin/usage.py)
        return super().change_view(request, object_id, form_url, extra_context)

    def _tools(self, request: HttpRequest, obj: Application) -> list[dict[str, str]]:
        tools = []
        if request.user.has_perm("flex_auth_django.view_session"):
            label = _("Sessions (%(count)s)") % {"count": getattr(obj, "live_sessions", 0)}
            tools.append({"label": label, "url": sessions_url(self.admin_site, application__id__exact=obj.pk)})
        if self.has_change_permission(request, obj):
            for name in ("regenerate_secret", "reactivate" if not obj.is_active else "deactivate", "revoke_tokens"):
                tools.append({"label": getattr(self, name).label, "url": self.admin_url(name, quote(obj.pk))})
        return tools

    def _change_url(self, obj: Application) -> str:
        return self.admin_url("change", quote(obj.pk))

    # -- the one-time secret page ---------------------------------------------------

    @sensitive_variables("secret")
    def render_secret_once(self, request: HttpRequest, obj: Application, secret: str, *, created: bool) -> HttpResponse:
        """The only page that ever shows the secret: rendered from the POST that made it, never stored."""
        title = _("Application created") if created else _("New client secret")
        context = {
            **self.page_context(request, obj, title),
            "client_secret": secret,
            "created": created,
            "continue_url": (
                self._change_url(obj)
                if self.has_view_or_change_permission(request, obj)
                else reverse("admin:index", current_app=self.admin_site.name)
            ),
        }
        return no_store(TemplateResponse(request, SECRET_ONCE_TEMPLATE, context))

    # -- one-object actions: a confirmation page on GET, the action on POST ---------

    def confirmation_context(self, request: HttpRequest, obj: Application, name: str) -> dict[str, object]:
        return {"live_sessions": getattr(obj, "live_sessions", 0)}

    @confirmed_action(_("Regenerate client secret"), form=RegenerateSecretForm)
    @sensitive_variables("secret")
    def regenerate_secret(self, request: HttpRequest, obj: Application, form: RegenerateSecretForm) -> HttpResponse:
        secret = applications.regenerate_secret(obj)
        message = "Regenerated the client secret."
        if form.cleaned_data["revoke_tokens"]:
            count = applications.revoke_tokens(obj, ip=client_ip(request))
            message += f" Revoked {count} tokens."
        self.log_change(request, obj, message)
        return self.render_secret_once(request, obj, secret, created=False)

    @confirmed_action(_("Deactivate"))
    def deactivate(self, request: HttpRequest, obj: Application, form: ConfirmForm) -> HttpResponse:
        self._set_active(request, obj, False)
        message = _("“%(name)s” is deactivated: it gets invalid_client and its tokens do not work.")
        self.message_user(request, message % {"name": obj.name}, messages.WARNING)
        return HttpResponseRedirect(self._change_url(obj))

    @confirmed_action(_("Reactivate"))
    def reactivate(self, request: HttpRequest, obj: Application, form: ConfirmForm) -> HttpResponse:
        self._set_active(request, obj, True)
        self.message_user(request, _("“%(name)s” is active again.") % {"name": obj.name}, messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(obj))

    @confirmed_action(_("Revoke all tokens"))
    def revoke_tokens(self, request: HttpRequest, obj: Application, form: ConfirmForm) -> HttpResponse:
        count = self._revoke_tokens(request, obj)
        self.message_user(
            request,
            _("Revoked %(count)s tokens of “%(name)s”.") % {"count": count, "name": obj.name},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._change_url(obj))

    def _set_active(self, request: HttpRequest, obj: Application, active: bool) -> bool:
        """(De)activate and record it in the history; False if it already was."""
        changed = applications.set_active(obj, active)
        if changed:
            self.log_change(request, obj, "Reactivated." if active else "Deactivated.")
        return changed

    def _revoke_tokens(self, request: HttpRequest, obj: Application) -> int:
        count = applications.revoke_tokens(obj, ip=client_ip(request))
        self.log_change(request, obj, f"Revoked {count} tokens.")
        return count

    # -- list actions ---------------------------------------------------------------

    @admin.action(description=_("Deactivate selected applications"), permissions=["change"])
    def deactivate_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_active_many(request, queryset, False)

    @admin.action(description=_("Reactivate selected applications"), permissions=["change"])
    def reactivate_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_active_many(request, queryset, True)

    def _set_active_many(self, request: HttpRequest, queryset: QuerySet, active: bool) -> None:
        count = sum(self._set_active(request, obj, active) for obj in queryset)
        template = (
            ngettext("Reactivated %d application.", "Reactivated %d applications.", count)
            if active
            else ngettext("Deactivated %d application.", "Deactivated %d applications.", count)
        )
        self.message_user(request, template % count, messages.SUCCESS)

    @admin.action(description=_("Revoke all tokens of selected applications"), permissions=["change"])
    def revoke_tokens_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        confirmation = self.confirm_selected(request, queryset, "revoke_tokens_selected", _("Revoke all tokens"))
        if confirmation is not None:
            return confirmation
        total = sum(self._revoke_tokens(request, obj) for obj in queryset)
        self.message_user(request, _("Revoked %(count)s tokens.") % {"count": total}, messages.SUCCESS)
        return None
