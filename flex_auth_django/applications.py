"""Application service: create applications and (re)generate their one-time-shown secrets."""

from __future__ import annotations

from django.db import transaction

from .models import ApiType, Application
from .tokens import digests, generate


def _set_secret(application: Application) -> str:
    secret = generate.client_secret()
    application.client_secret_digest = digests.make(secret)
    application.client_secret_last4 = secret[-4:]
    return secret


def create_application(name: str, api_type: str) -> tuple[Application, str]:
    """A new application and its client secret; the secret is not stored and cannot be shown again."""
    if api_type not in ApiType.values:
        raise ValueError(f"api_type must be one of {', '.join(ApiType.values)}")
    application = Application(name=name, api_type=api_type)
    secret = _set_secret(application)
    application.save()
    return application, secret


def regenerate_secret(application: Application) -> str:
    """Replace the secret; the old one stops working as soon as this commits."""
    with transaction.atomic():
        secret = _set_secret(application)
        Application.objects.filter(pk=application.pk).update(
            client_secret_digest=application.client_secret_digest,
            client_secret_last4=application.client_secret_last4,
        )
    return secret
