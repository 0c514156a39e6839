"""DOT's own model admins (grants, ID tokens) have nothing to show here: hidden from the admin site."""

from __future__ import annotations

from django.contrib.admin import AdminSite
from oauth2_provider.models import get_grant_model, get_id_token_model


def hide_dot_models(site: AdminSite) -> None:
    for model in (get_grant_model(), get_id_token_model()):
        if site.is_registered(model):
            site.unregister(model)
