"""Admin for API applications (Console-like); replaces django-oauth-toolkit's registrations."""

from __future__ import annotations

from django.contrib import admin
from oauth2_provider.models import get_grant_model, get_id_token_model

from .models import AccessToken, Application, RefreshToken

# DOT's admin.py registers the swapped models with its own admin classes, whose fields
# (redirect URIs, plain-text tokens) do not exist here; take those registrations back.
for _model in (Application, AccessToken, RefreshToken, get_grant_model(), get_id_token_model()):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("name", "api_type", "client_id", "created", "last_used", "is_active")
    list_filter = ("api_type", "is_active")
    search_fields = ("name", "client_id")
    readonly_fields = ("client_id", "client_secret_last4", "created", "last_used")
    fields = ("name", "api_type", "is_active", "client_id", "client_secret_last4", "created", "last_used")
