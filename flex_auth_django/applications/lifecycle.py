"""Creating applications, changing their Marketplace URL, switching them on and off, revoking their tokens."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from .. import tokens
from ..console import marketplace_url
from ..models import ApiType, Application
from .secrets import assign_new_secret


def clean_name(name: str) -> str:
    """An application's name, stripped; ValueError when it is blank or longer than the column.

    Checked here, before any INSERT, so a bad name is a clear message and never a
    database error (PostgreSQL's DataError for a value too long; SQLite would store it).
    """
    cleaned = (name or "").strip()
    if not cleaned:
        raise ValueError("the name must not be empty")
    limit = Application._meta.get_field("name").max_length
    if len(cleaned) > limit:
        raise ValueError(f"the name must be at most {limit} characters (it has {len(cleaned)})")
    return cleaned


def clean_marketplace_url(api_type: str, value: str) -> str:
    """The Marketplace URL as stored (an origin without trailing slash); ValueError when it cannot be one."""
    try:
        cleaned = marketplace_url.clean(value)
    except ValidationError as exc:
        raise ValueError(" ".join(str(m) for m in exc.messages)) from None
    if cleaned and api_type != ApiType.MARKETPLACE:
        raise ValueError("Only Marketplace applications have a Marketplace URL.")
    return cleaned


def create_application(name: str, api_type: str, *, marketplace_url: str = "") -> tuple[Application, str]:
    """A new application and its client secret; the secret is not stored and cannot be shown again."""
    if api_type not in ApiType.values:
        raise ValueError(f"api_type must be one of {', '.join(ApiType.values)}")
    application = Application(
        name=clean_name(name), api_type=api_type, marketplace_url=clean_marketplace_url(api_type, marketplace_url)
    )
    secret = assign_new_secret(application)
    application.save()
    return application, secret


def set_marketplace_url(application: Application, value: str) -> None:
    """Set (or with "" clear) the Marketplace URL; ValueError when it is not a valid one."""
    application.marketplace_url = clean_marketplace_url(application.api_type, value)
    Application.objects.filter(pk=application.pk).update(marketplace_url=application.marketplace_url)
    tokens.application_changed(application)


def set_active(application: Application, active: bool) -> bool:
    """Switch an application on or off; returns whether anything changed.

    An inactive application gets invalid_client at every endpoint and its tokens stop
    working (AccessToken.is_live), but they are not revoked: reactivating brings back
    the ones that have not expired. Revoke them (tokens.revoke_for) to end them for good.
    """
    changed = Application.objects.filter(pk=application.pk).exclude(is_active=active).update(is_active=active)
    application.is_active = active
    if changed:
        tokens.application_changed(application)  # here at once, elsewhere within STATE_REFRESH_INTERVAL
    return bool(changed)


def revoke_tokens(application: Application, *, ip: str | None = None) -> int:
    """Revoke every token of an application (all its sessions end); returns how many rows changed."""
    return tokens.revoke_for(application=application, ip=ip)
