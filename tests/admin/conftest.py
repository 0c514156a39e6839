"""Admin fixtures: clients for each kind of visitor, and admin URLs."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import UserFactory

VIEW_PERMS = ("view_application", "view_session")
ALL_PERMS = (
    "view_application",
    "add_application",
    "change_application",
    "delete_application",
    "view_session",
    "revoke_session",
)


def grant(user, *codenames: str):
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="flex_auth_django", codename__in=codenames)
    )
    return user


def client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(client, db):
    """Staff with every flex_auth_django permission, but not a superuser."""
    return client_for(client, grant(UserFactory(is_staff=True), *ALL_PERMS))


def app_url(name: str, *args) -> str:
    return reverse(f"admin:flex_auth_django_application_{name}", args=args)


def session_url(name: str, *args) -> str:
    return reverse(f"admin:flex_auth_django_session_{name}", args=args)


def new_app(**data: str) -> dict[str, str]:
    """POST data for the add form, with the fresh submission token each rendered form carries."""
    return {"submission": uuid.uuid4().hex, **data}
