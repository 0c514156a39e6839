"""Confirm-then-act for the admin: a GET only shows what an action will end, its POST does it.

Regenerating a secret, deactivating an application and revoking tokens or sessions cannot
be undone, so a link, a reload or a prefetch must never trigger them. Both admins declare
their actions here and get the same URLs, permission checks and confirmation pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.cache import add_never_cache_headers

from .forms import ConfirmForm

ObjectActionHandler = Callable[[Any, HttpRequest, Model, forms.Form], HttpResponse]


def no_store(response: HttpResponse) -> HttpResponse:
    """Keep a page (a one-time secret) out of every cache and the browser's history."""
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
    response["Pragma"] = "no-cache"
    return response


def confirmed_action(
    label: str, *, form: type[forms.Form] = ConfirmForm, permissions: Iterable[str] = ("change",)
) -> Callable[[ObjectActionHandler], ObjectActionHandler]:
    """Mark a `(self, request, obj, form)` method as a one-object action listed in `object_actions`.

    `permissions` name `has_<name>_permission(request, obj)` methods that must all allow it, as
    `@admin.action(permissions=...)` does for list actions; `form` is bound to the confirming POST.
    """

    def decorate(handler: ObjectActionHandler) -> ObjectActionHandler:
        handler.label = label
        handler.form_class = form
        handler.permissions = tuple(permissions)
        return handler

    return decorate


class ConfirmedActionsMixin:
    """ModelAdmin mixin: `<pk>/<action-name>/` URLs for the `@confirmed_action` methods in `object_actions`."""

    object_actions: tuple[str, ...] = ()

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        urls = [
            path(
                f"<path:object_id>/{name.replace('_', '-')}/",
                self.admin_site.admin_view(self._object_action_view(name)),
                name="{}_{}_{}".format(*info, name),
            )
            for name in self.object_actions
        ]
        return urls + super().get_urls()

    def _object_action_view(self, name: str) -> Callable[[HttpRequest, str], HttpResponse]:
        def view(request: HttpRequest, object_id: str) -> HttpResponse:
            return self.object_action(request, object_id, name)

        return view

    def object_action(self, request: HttpRequest, object_id: str, name: str) -> HttpResponse:
        action = getattr(self, name)
        obj = self.get_object(request, unquote(object_id))
        # Checked before the object's existence, so a visitor without the permission
        # cannot tell which objects exist.
        if not all(getattr(self, f"has_{perm}_permission")(request, obj) for perm in action.permissions):
            raise PermissionDenied
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        form = action.form_class(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            return action(request, obj, form)
        return self.render_confirmation(request, obj, name, form)

    def render_confirmation(self, request: HttpRequest, obj: Model, name: str, form: forms.Form) -> TemplateResponse:
        context = {
            **self.page_context(request, obj, getattr(self, name).label),
            **self.confirmation_context(request, obj, name),
            "action_name": name,
            "form": form,
            "cancel_url": self.admin_url("change", quote(obj.pk)),
        }
        return TemplateResponse(request, self.confirmation_template(name), context)

    def confirmation_context(self, request: HttpRequest, obj: Model, name: str) -> dict[str, object]:
        """What a confirmation page says about the object beyond `original` (counts, for instance)."""
        return {}

    def confirm_selected(
        self, request: HttpRequest, queryset: QuerySet, action: str, title: str
    ) -> TemplateResponse | None:
        """A list action's confirmation page, or None once it was confirmed (Django's `post=yes`)."""
        if request.POST.get("post") == "yes":
            return None
        context = {
            **self.page_context(request, None, title),
            "queryset": queryset,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "action": action,
        }
        return TemplateResponse(request, self.confirmation_template(action), context)

    def confirmation_template(self, name: str) -> str:
        return f"admin/{self.opts.app_label}/{self.opts.model_name}/confirm_{name}.html"

    def page_context(self, request: HttpRequest, obj: Model | None, title: str) -> dict[str, object]:
        """The context of a page about one object (or a selection) that extends `object_page.html`."""
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "title": title,
            "has_view_permission": self.has_view_permission(request, obj),
        }

    def admin_url(self, name: str, *args: object) -> str:
        """This model's admin URL `name` (`change`, `changelist` or an action) in this admin site."""
        return reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}", args=args, current_app=self.admin_site.name
        )
