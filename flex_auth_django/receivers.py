"""Kill switches driven by model signals: a password change ends the user's sessions; a changed or
deleted application is republished for its signed tokens."""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import tokens
from .models import Application
from .settings import flex_settings


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="flex_auth_password_change")
def revoke_on_password_change(sender, instance, created: bool, **kwargs) -> None:
    # AbstractBaseUser.set_password() keeps the raw password on `_password` until the
    # save that follows; hash upgrades at login clear it first, so they do not count.
    if created or getattr(instance, "_password", None) is None:
        return
    if not flex_settings.PASSWORD_CHANGE_REVOKES_SESSIONS:
        return
    tokens.revoke_for(user=instance)


@receiver(post_save, sender=Application, dispatch_uid="flex_auth_application_saved")
def publish_application(sender, instance: Application, created: bool, **kwargs) -> None:
    # Signed tokens are checked against the cached state: any save (the admin's, a site's own
    # code) republishes it. QuerySet.update() sends no signal; applications.set_active publishes.
    if not created:
        tokens.application_changed(instance)


@receiver(post_delete, sender=Application, dispatch_uid="flex_auth_application_deleted")
def forget_application(sender, instance: Application, **kwargs) -> None:
    tokens.application_changed(instance)  # finds no row: the cached state is dropped
