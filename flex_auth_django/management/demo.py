"""Demo data for the example site and tools: one app of each API type and one marketplace user."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from ..applications import create_application, regenerate_secret, set_marketplace_url
from ..idp.verified_email import mark_verified
from ..models import ApiType, Application

DEMO_MARKETPLACE = "Demo Marketplace app"
DEMO_INTEGRATION = "Demo Integration app"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password-1234"
DEMO_ADMIN_EMAIL = "admin@example.com"
DEMO_ADMIN_PASSWORD = "demo-admin-1234"


def _ensure_app(name: str, api_type: str) -> tuple[Application, str]:
    application = Application.objects.filter(name=name, api_type=api_type).order_by("created").first()
    if application is None:
        return create_application(name, api_type)
    # Secrets are stored only as digests, so a working one can only be printed by
    # issuing a new one; the previous demo secret stops working.
    if not application.is_active:
        Application.objects.filter(pk=application.pk).update(is_active=True)
    return application, regenerate_secret(application)


def _ensure_user(email: str, password: str, *, superuser: bool = False):
    User = get_user_model()
    user = User._default_manager.filter(email__iexact=email).first()
    if user is None:
        fields = {"email": email}
        if User.USERNAME_FIELD != "email":
            fields[User.USERNAME_FIELD] = email
        create = User._default_manager.create_superuser if superuser else User._default_manager.create_user
        user = create(password=password, **fields)
    elif not user.check_password(password) or not user.is_active:
        user.is_active = True
        user.set_password(password)
        user.save()
    return user


def ensure_demo_admin() -> dict[str, str]:
    """A superuser for the example site's admin: `username` is what its login form asks for."""
    admin = _ensure_user(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, superuser=True)
    return {"email": DEMO_ADMIN_EMAIL, "username": admin.get_username(), "password": DEMO_ADMIN_PASSWORD}


def ensure_demo(*, marketplace_url: str | None = None) -> dict[str, dict[str, str]]:
    """Create or refresh the demo applications and user; returns working credentials.

    `marketplace_url` sets the demo Marketplace application's Marketplace URL (Login as
    user); ValueError when it is not a valid one. `user.id` is the demo user's id as Login
    as user carries it (`user_id`) and introspection reports it (`sub`)."""
    with transaction.atomic():
        marketplace, marketplace_secret = _ensure_app(DEMO_MARKETPLACE, ApiType.MARKETPLACE)
        if marketplace_url is not None:
            set_marketplace_url(marketplace, marketplace_url)
        integration, integration_secret = _ensure_app(DEMO_INTEGRATION, ApiType.INTEGRATION)
        # Verified, so that signing in with an identity provider account of the same
        # (verified) email links to the demo user.
        user = _ensure_user(DEMO_EMAIL, DEMO_PASSWORD)
        mark_verified(user)
    return {
        "marketplace": {"client_id": str(marketplace.client_id), "client_secret": marketplace_secret},
        "integration": {"client_id": str(integration.client_id), "client_secret": integration_secret},
        "user": {"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "id": str(user.pk)},
    }
