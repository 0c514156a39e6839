"""Kill switches driven by model signals: a password change ends the user's sessions; a changed or
deleted application is republished for its signed tokens."""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import tokens
from .models import Application
from .settings import flex_settings
from .state import sync
from .tokens import remembered


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
    # Every process holds application states (and the set of client IDs that exist): any save
    # (the admin's, a site's own code, a new application) is announced to them. QuerySet.update()
    # sends no signal; the application services (set_active, regenerate_secret...) announce.
    tokens.application_changed(instance)


@receiver(post_delete, sender=Application, dispatch_uid="flex_auth_application_deleted")
def forget_application(sender, instance: Application, **kwargs) -> None:
    tokens.application_changed(instance)  # finds no row: every process drops its state


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="flex_auth_user_saved")
def announce_user(sender, instance, created: bool, update_fields=None, **kwargs) -> None:
    # Every process holds opaque tokens with their user (tokens/remembered.py): a saved user
    # (deactivated, renamed) is read again. A login's last_login update changes nothing held.
    if created or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return
    sync.publish(remembered.user_changed(instance.pk))


@receiver(post_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="flex_auth_user_deleted")
def forget_user(sender, instance, **kwargs) -> None:
    sync.publish(remembered.user_changed(instance.pk))
