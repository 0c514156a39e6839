"""Console-like admin for API applications and their sessions; replaces django-oauth-toolkit's registrations.

A client secret is shown exactly once: the response to the POST that created or
regenerated it renders the secret directly instead of redirecting, so it never goes
into the session, the messages framework, the admin history (LogEntry) or a log.
Raw token admins are not registered: token values are never stored, and digests are
never shown. Sessions are listed through the `Session` proxy, with its own permissions.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_variables
from oauth2_provider.models import get_grant_model, get_id_token_model

from . import applications, sessions
from .forms import ApplicationChangeForm, ApplicationCreateForm, ConfirmForm, RegenerateSecretForm
from .http import client_ip
from .models import AccessToken, Application, RefreshToken, Session, TokenKind

# DOT's admin.py registers the swapped models with its own admin classes, whose fields
# (redirect URIs, plain-text tokens) do not exist here; take those registrations back.
for _model in (Application, AccessToken, RefreshToken, get_grant_model(), get_id_token_model()):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)

# Set on the request (never the session) between save_model() and response_add().
_SECRET_ATTR = "_flex_auth_one_time_secret"
TEMPLATES = "admin/flex_auth_django/"


def _no_store(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
    response["Pragma"] = "no-cache"
    return response


def _sessions_url(admin_site: admin.AdminSite, **filters: object) -> str:
    url = reverse("admin:flex_auth_django_session_changelist", current_app=admin_site.name)
    query = "&".join(f"{name}={value}" for name, value in filters.items())
    return f"{url}?{query}" if query else url


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "api_type",
        "client_id",
        "created",
        "last_used",
        "is_active",
        "tokens_24h",
        "live_sessions",
    )
    list_filter = ("api_type", "is_active")
    search_fields = ("name", "client_id")
    form = ApplicationChangeForm
    add_form = ApplicationCreateForm
    actions = ("deactivate_selected", "reactivate_selected", "revoke_tokens_selected")
    change_fields = (
        "name",
        "api_type",
        "client_id",
        "client_secret",
        "is_active",
        "created",
        "last_used",
        "tokens_24h",
        "live_sessions",
    )

    # -- list and dashboard columns -------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return applications.with_activity(super().get_queryset(request))

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": _("Applications"), **(extra_context or {})})

    @admin.display(description=_("client secret"))
    def client_secret(self, obj: Application) -> str:
        return format_html(
            "<code>&hellip;{}</code> <span class='help'>{}</span>",
            obj.client_secret_last4,
            _("(only the last 4 characters are kept)"),
        )

    @admin.display(description=_("tokens issued (24 h)"), ordering="tokens_24h")
    def tokens_24h(self, obj: Application) -> int:
        return getattr(obj, "tokens_24h", 0)

    @admin.display(description=_("live sessions"), ordering="live_sessions")
    def live_sessions(self, obj: Application) -> str:
        count = getattr(obj, "live_sessions", 0)
        if obj.pk is None:
            return str(count)
        return format_html('<a href="{}">{}</a>', _sessions_url(self.admin_site, application__id__exact=obj.pk), count)

    # -- forms ----------------------------------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            description = _(
                "Choose a name and an API type. The client ID and client secret are generated; "
                "the secret is shown once, on the next page."
            )
            return [(None, {"fields": ("name", "api_type", "submission"), "description": description})]
        return [(None, {"fields": self.change_fields})]

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else tuple(f for f in self.change_fields if f != "name")

    @sensitive_variables("secret")
    def save_model(self, request, obj, form, change):
        if change:
            # Only the name is editable; saving every column could write back a secret
            # digest that was regenerated while this request ran.
            obj.save(update_fields=["name"])
            return
        if not form.claim_submission():
            raise PermissionDenied("This form was already submitted.")
        secret = applications.assign_new_secret(obj)
        obj.save()
        setattr(request, _SECRET_ATTR, secret)

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "show_save_and_add_another": False, "show_save_and_continue": False}
        return super().add_view(request, form_url, extra_context)

    @sensitive_variables("secret")
    def response_add(self, request, obj, post_url_continue=None):
        secret = request.__dict__.pop(_SECRET_ATTR, None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        return self.render_secret_once(request, obj, secret, created=True)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        extra_context = {**(extra_context or {}), "flex_tools": self._tools(request, obj) if obj is not None else []}
        return super().change_view(request, object_id, form_url, extra_context)

    def _tools(self, request: HttpRequest, obj: Application) -> list[dict[str, str]]:
        tools = []
        if request.user.has_perm("flex_auth_django.view_session"):
            label = _("Sessions (%(count)s)") % {"count": getattr(obj, "live_sessions", 0)}
            tools.append({"label": label, "url": _sessions_url(self.admin_site, application__id__exact=obj.pk)})
        if self.has_change_permission(request, obj):
            for name in ("regenerate_secret", "reactivate" if not obj.is_active else "deactivate", "revoke_tokens"):
                tools.append({"label": self.OBJECT_ACTIONS[name][0], "url": self._action_url(name, obj)})
        return tools

    # -- one-object actions: a confirmation page on GET, the action on POST ---------

    OBJECT_ACTIONS = {
        "regenerate_secret": (_("Regenerate client secret"), RegenerateSecretForm),
        "deactivate": (_("Deactivate"), ConfirmForm),
        "reactivate": (_("Reactivate"), ConfirmForm),
        "revoke_tokens": (_("Revoke all tokens"), ConfirmForm),
    }

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        urls = [
            path(
                f"<path:object_id>/{name.replace('_', '-')}/",
                self.admin_site.admin_view(self._object_action_view(name)),
                name="{}_{}_{}".format(*info, name),
            )
            for name in self.OBJECT_ACTIONS
        ]
        return urls + super().get_urls()

    def _action_url(self, name: str, obj: Application) -> str:
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}",
            args=(quote(obj.pk),),
            current_app=self.admin_site.name,
        )

    def _object_action_view(self, name: str):
        def view(request: HttpRequest, object_id: str) -> HttpResponse:
            return self.object_action(request, object_id, name)

        return view

    def object_action(self, request: HttpRequest, object_id: str, name: str) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        form_class = self.OBJECT_ACTIONS[name][1]
        form = form_class(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            return getattr(self, f"do_{name}")(request, obj, form)
        return self.render_confirmation(request, obj, name, form)

    @sensitive_variables("secret")
    def do_regenerate_secret(self, request: HttpRequest, obj: Application, form: RegenerateSecretForm) -> HttpResponse:
        secret = applications.regenerate_secret(obj)
        message = "Regenerated the client secret."
        if form.cleaned_data["revoke_tokens"]:
            count = applications.revoke_tokens(obj, ip=client_ip(request))
            message += f" Revoked {count} tokens."
        self.log_change(request, obj, message)
        return self.render_secret_once(request, obj, secret, created=False)

    def do_deactivate(self, request: HttpRequest, obj: Application, form: ConfirmForm) -> HttpResponse:
        return self._set_active(request, obj, False)

    def do_reactivate(self, request: HttpRequest, obj: Application, form: ConfirmForm) -> HttpResponse:
        return self._set_active(request, obj, True)

    def _set_active(self, request: HttpRequest, obj: Application, active: bool) -> HttpResponse:
        if applications.set_active(obj, active):
            self.log_change(request, obj, "Reactivated." if active else "Deactivated.")
        if active:
            self.message_user(request, _("“%(name)s” is active again.") % {"name": obj.name}, messages.SUCCESS)
        else:
            self.message_user(
                request,
                _("“%(name)s” is deactivated: it gets invalid_client and its tokens do not work.") % {"name": obj.name},
                messages.WARNING,
            )
        return HttpResponseRedirect(self._change_url(obj))

    def do_revoke_tokens(self, request: HttpRequest, obj: Application, form: ConfirmForm) -> HttpResponse:
        count = applications.revoke_tokens(obj, ip=client_ip(request))
        self.log_change(request, obj, f"Revoked {count} tokens.")
        self.message_user(
            request,
            _("Revoked %(count)s tokens of “%(name)s”.") % {"count": count, "name": obj.name},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._change_url(obj))

    def _change_url(self, obj: Application) -> str:
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            args=(quote(obj.pk),),
            current_app=self.admin_site.name,
        )

    def _context(self, request: HttpRequest, obj: Application | None, title: str) -> dict[str, object]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": title,
            "has_view_permission": self.has_view_permission(request, obj),
        }

    def render_confirmation(self, request: HttpRequest, obj: Application, name: str, form) -> HttpResponse:
        label = self.OBJECT_ACTIONS[name][0]
        context = {
            **self._context(request, obj, label),
            "action_name": name,
            "form": form,
            "cancel_url": self._change_url(obj),
            "live_sessions": getattr(obj, "live_sessions", 0),
        }
        return TemplateResponse(request, f"{TEMPLATES}application/confirm_{name}.html", context)

    @sensitive_variables("secret")
    def render_secret_once(self, request: HttpRequest, obj: Application, secret: str, *, created: bool) -> HttpResponse:
        """The only page that ever shows the secret: rendered from the POST that made it, never stored."""
        title = _("Application created") if created else _("New client secret")
        context = {
            **self._context(request, obj, title),
            "client_secret": secret,
            "created": created,
            "continue_url": (
                self._change_url(obj)
                if self.has_view_or_change_permission(request, obj)
                else reverse("admin:index", current_app=self.admin_site.name)
            ),
        }
        response = TemplateResponse(request, f"{TEMPLATES}application/secret_once.html", context)
        return _no_store(response)

    # -- list actions ---------------------------------------------------------------

    @admin.action(description=_("Deactivate selected applications"), permissions=["change"])
    def deactivate_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_active_many(request, queryset, False)

    @admin.action(description=_("Reactivate selected applications"), permissions=["change"])
    def reactivate_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._set_active_many(request, queryset, True)

    def _set_active_many(self, request: HttpRequest, queryset: QuerySet, active: bool) -> None:
        changed = [obj for obj in queryset if applications.set_active(obj, active)]
        for obj in changed:
            self.log_change(request, obj, "Reactivated." if active else "Deactivated.")
        template = (
            ngettext("Reactivated %d application.", "Reactivated %d applications.", len(changed))
            if active
            else ngettext("Deactivated %d application.", "Deactivated %d applications.", len(changed))
        )
        self.message_user(request, template % len(changed), messages.SUCCESS)

    @admin.action(description=_("Revoke all tokens of selected applications"), permissions=["change"])
    def revoke_tokens_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        if request.POST.get("post") != "yes":
            context = {
                **self._context(request, None, _("Revoke all tokens")),
                "queryset": queryset,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "action": "revoke_tokens_selected",
            }
            return TemplateResponse(request, f"{TEMPLATES}application/confirm_revoke_tokens_selected.html", context)
        total = 0
        for obj in queryset:
            count = applications.revoke_tokens(obj, ip=client_ip(request))
            self.log_change(request, obj, f"Revoked {count} tokens.")
            total += count
        self.message_user(request, _("Revoked %(count)s tokens.") % {"count": total}, messages.SUCCESS)
        return None


class SessionKindFilter(admin.SimpleListFilter):
    """Token kinds that have sessions: anonymous tokens never get a refresh token."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(kind.value, kind.label) for kind in TokenKind if kind != TokenKind.ANONYMOUS]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


class UserFilter(admin.SimpleListFilter):
    """Sessions of one user (linked from the user column); lists only the chosen user, not every user."""

    title = _("user")
    parameter_name = "user"

    def lookups(self, request, model_admin):
        # A filter with no lookups is not applied at all, so a chosen value always gets one.
        value = self.value()
        if not value:
            return ()
        session = model_admin.get_queryset(request).filter(user_id=int(value)).first() if value.isdigit() else None
        return ((value, str(session.user) if session is not None else f"#{value}"),)

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(user_id=int(value))


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    """Live sessions: one row per refresh-token family, through its current refresh token."""

    list_display = ("session", "user_link", "application_link", "kind", "started", "last_used", "expires")
    list_filter = (UserFilter, ("application", admin.RelatedOnlyFieldListFilter), SessionKindFilter)
    search_fields = ("user__email", "application__name")
    list_select_related = ("user", "application")
    ordering = ("-created",)
    actions = ("revoke_selected",)
    fields = ("user", "application", "kind", "scope", "started", "last_used", "expires")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).live().select_related("user", "application")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_revoke_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.revoke_session")

    @admin.display(description=_("session"), ordering="pk")
    def session(self, obj: Session) -> str:
        return f"#{obj.pk}"

    @admin.display(description=_("user"), ordering="user__email")
    def user_link(self, obj: Session) -> str:
        if obj.user_id is None:
            return "—"
        return format_html('<a href="{}">{}</a>', _sessions_url(self.admin_site, user=obj.user_id), obj.user)

    @admin.display(description=_("application"), ordering="application__name")
    def application_link(self, obj: Session) -> str:
        url = _sessions_url(self.admin_site, application__id__exact=obj.application_id)
        return format_html('<a href="{}">{}</a>', url, obj.application.name)

    @admin.display(description=_("started"), ordering="family_started")
    def started(self, obj: Session):
        return obj.family_started

    @admin.display(description=_("last used"), ordering="created")
    def last_used(self, obj: Session):
        return obj.created

    def changelist_view(self, request, extra_context=None):
        title = _("Live sessions")
        user_id = request.GET.get("user", "")
        app_id = request.GET.get("application__id__exact", "")
        if user_id.isdigit():
            session = self.get_queryset(request).filter(user_id=int(user_id)).first()
            if session is not None:
                title = _("Live sessions of %(user)s") % {"user": session.user}
        elif app_id.isdigit():
            application = Application.objects.filter(pk=int(app_id)).first()
            if application is not None:
                title = _("Live sessions of %(application)s") % {"application": application.name}
        return super().changelist_view(request, {**(extra_context or {}), "title": title})

    # -- revoking -------------------------------------------------------------------

    @admin.action(description=_("Revoke selected sessions"), permissions=["revoke"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        chosen = list(queryset)
        count = sessions.revoke_sessions(chosen, ip=client_ip(request))
        for obj in chosen:
            self.log_change(request, obj, "Revoked the session.")
        self.message_user(
            request, ngettext("Revoked %d session.", "Revoked %d sessions.", count) % count, messages.SUCCESS
        )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        revoke = path(
            "<path:object_id>/revoke/",
            self.admin_site.admin_view(self.revoke_view),
            name="{}_{}_revoke".format(*info),
        )
        return [revoke, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_revoke": self.has_revoke_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _url(self, name: str, *args) -> str:
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}", args=args, current_app=self.admin_site.name
        )

    def revoke_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if not (self.has_view_permission(request, obj) and self.has_revoke_permission(request, obj)):
            raise PermissionDenied
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        form = ConfirmForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            sessions.revoke_sessions([obj], ip=client_ip(request))
            self.log_change(request, obj, "Revoked the session.")
            self.message_user(request, _("Revoked %(session)s.") % {"session": obj}, messages.SUCCESS)
            return HttpResponseRedirect(self._url("changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": _("Revoke this session"),
            "form": form,
            "has_view_permission": True,
            "cancel_url": self._url("change", quote(obj.pk)),
        }
        return TemplateResponse(request, f"{TEMPLATES}session/confirm_revoke.html", context)
