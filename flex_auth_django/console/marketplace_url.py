"""An application's Marketplace URL (Console's setting) and the two web-template URLs built from it."""

from __future__ import annotations

from urllib.parse import urlencode

from ..settings import flex_settings
from .origins import LOCAL_HOSTS, MESSAGE, clean, secure_enough, validate

__all__ = ["LOCAL_HOSTS", "MESSAGE", "clean", "initiate_url", "redirect_uri", "secure_enough", "validate"]


def redirect_uri(marketplace_url: str) -> str:
    """The only `redirect_uri` authorize-as accepts for this Marketplace URL."""
    return marketplace_url + flex_settings.LOGIN_AS_REDIRECT_PATH


def initiate_url(marketplace_url: str, user_id: str, target_path: str = "") -> str:
    """Where the admin button sends the browser: the web template's initiate-login-as route.

    `target_path` (already checked by target_path.clean()) is the page to open once signed in.
    """
    query = {"user_id": user_id, **({"target_path": target_path} if target_path else {})}
    return f"{marketplace_url}{flex_settings.LOGIN_AS_INITIATE_PATH}?{urlencode(query)}"
