"""The live-sessions admin: one row per refresh-token family, filtered per user or application, revocable.

Sessions have their own permissions (`view_session`, `revoke_session`) so an operator can
end a user's sessions without being able to change applications.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import tokens
from ..models import Application, Session, TokenKind
from ..protocol.http import client_ip
from ..tokens import kinds
from . import display
from .confirm import ConfirmedActionsMixin, confirmed_action
from .forms import ConfirmForm
from .login_as import URL_NAME, start_login_as


def sessions_url(admin_site: admin.AdminSite, **filters: object) -> str:
    """The live-sessions list, filtered (`user=`, `application__id__exact=`)."""
    url = reverse("admin:flex_auth_django_session_changelist", current_app=admin_site.name)
    query = "&".join(f"{name}={value}" for name, value in filters.items())
    return f"{url}?{query}" if query else url


# The largest primary key any database stores (a signed 64-bit integer): larger ones match nothing.
MAX_ID = 2**63 - 1


def parse_id(value: str | None) -> int | None:
    """A primary key from a query-string value, or None.

    ASCII digits only: str.isdigit() also accepts digits such as "²" that int() refuses,
    and a number past MAX_ID would make the database raise instead of matching nothing.
    """
    if not value or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def first_session_of(queryset: QuerySet, user_id: str) -> Session | None:
    """Any live session of the user, to name the user from the `user=` filter value."""
    pk = parse_id(user_id)
    return queryset.filter(user_id=pk).first() if pk is not None else None


class SessionKindFilter(admin.SimpleListFilter):
    """Token kinds that have sessions (access_model): anonymous and trusted tokens never get a refresh token."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        with_sessions = {spec.kind for spec in kinds.session_kinds()}
        return [(kind.value, kind.label) for kind in TokenKind if kind in with_sessions]

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
        session = first_session_of(model_admin.get_queryset(request), value)
        return ((value, str(session.user) if session is not None else f"#{value}"),)

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        pk = parse_id(value)
        return queryset.none() if pk is None else queryset.filter(user_id=pk)


class SessionAdmin(ConfirmedActionsMixin, admin.ModelAdmin):
    """Live sessions: one row per refresh-token family, through its current refresh token."""

    class Media:
        css = {"all": ("flex_auth_django/admin/flex_admin.css",)}

    # Relative times in the list (they fit 1366 px with the sidebar open), exact ones on the page.
    list_display = (
        "session",
        "user_link",
        "application_link",
        "kind",
        "started",
        "last_used",
        "expires_in",
    )
    list_filter = (UserFilter, ("application", admin.RelatedOnlyFieldListFilter), SessionKindFilter)
    search_fields = ("user__email", "application__name")
    list_select_related = ("user", "application", "acted_by")
    ordering = ("-created",)
    actions = ("revoke_selected",)
    object_actions = ("revoke",)
    fields = ("user", "acted_by", "application", "kind", "scope", "started_at", "last_used_at", "expires_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).live().select_related("user", "application", "acted_by")

    def get_urls(self) -> list[URLPattern]:
        # "Log in as user" starts a session, so its button posts here (admin/login_as.py).
        def login_as(request: HttpRequest, user_id: str) -> HttpResponse:
            return start_login_as(request, user_id, self.admin_site.name)

        return [path("login-as/<path:user_id>/", self.admin_site.admin_view(login_as), name=URL_NAME)] + (
            super().get_urls()
        )

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
        link = format_html('<a href="{}">{}</a>', sessions_url(self.admin_site, user=obj.user_id), obj.user)
        if obj.acted_by_id is None:
            return link
        # Login as user: who acted, under the user (a column of its own would not fit 1366 px).
        return format_html(
            '{}<span class="flex-acted-by">{} <strong>{}</strong></span>', link, _("acted by"), obj.acted_by
        )

    @admin.display(description=_("application"), ordering="application__name")
    def application_link(self, obj: Session) -> str:
        url = sessions_url(self.admin_site, application__id__exact=obj.application_id)
        return format_html('<a href="{}">{}</a>', url, obj.application.name)

    @admin.display(description=_("started"), ordering="family_started")
    def started(self, obj: Session) -> str:
        return display.when(obj.family_started, compact=True)

    @admin.display(description=_("last used"), ordering="created")
    def last_used(self, obj: Session) -> str:
        return display.when(obj.created, compact=True)

    @admin.display(description=_("expires"), ordering="expires")
    def expires_in(self, obj: Session) -> str:
        return display.when(obj.expires, compact=True)

    @admin.display(description=_("started"))
    def started_at(self, obj: Session) -> str:
        return display.when(obj.family_started)

    @admin.display(description=_("last used"))
    def last_used_at(self, obj: Session) -> str:
        return display.when(obj.created)

    @admin.display(description=_("expires"))
    def expires_at(self, obj: Session) -> str:
        return display.when(obj.expires)

    def changelist_view(self, request, extra_context=None):
        title = _("Live sessions")
        user_id = request.GET.get("user", "")
        app_id = request.GET.get("application__id__exact", "")
        if parse_id(user_id) is not None:
            session = first_session_of(self.get_queryset(request), user_id)
            if session is not None:
                title = _("Live sessions of %(user)s") % {"user": session.user}
        elif parse_id(app_id) is not None:
            application = Application.objects.filter(pk=parse_id(app_id)).first()
            if application is not None:
                title = _("Live sessions of %(application)s") % {"application": application.name}
        return super().changelist_view(request, {**(extra_context or {}), "title": title})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_revoke": self.has_revoke_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    # -- revoking -------------------------------------------------------------------

    def _revoke(self, request: HttpRequest, chosen: list[Session]) -> int:
        count = tokens.revoke_sessions(chosen, ip=client_ip(request))
        for obj in chosen:
            self.log_change(request, obj, "Revoked the session.")
        return count

    @admin.action(description=_("Revoke selected sessions"), permissions=["revoke"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = self._revoke(request, list(queryset))
        self.message_user(
            request, ngettext("Revoked %d session.", "Revoked %d sessions.", count) % count, messages.SUCCESS
        )

    @confirmed_action(_("Revoke this session"), form=ConfirmForm, permissions=("view", "revoke"))
    def revoke(self, request: HttpRequest, obj: Session, form: ConfirmForm) -> HttpResponse:
        self._revoke(request, [obj])
        self.message_user(request, _("Revoked %(session)s.") % {"session": obj}, messages.SUCCESS)
        return HttpResponseRedirect(self.admin_url("changelist"))
