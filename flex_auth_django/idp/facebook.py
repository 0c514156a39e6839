"""Facebook user access tokens, verified through Graph's token debugging with the app secret.

Spec (Verification, Facebook): `debug_token` must say `is_valid`, our app id and an
unexpired user token; then `/me` (with `appsecret_proof`) gives the account's id, email
and names. Graph's base URL is FLEX_AUTH['IDP_FACEBOOK_GRAPH_URL'] (tests use a local fake).
The app secret travels only to Graph and is never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from ..settings import flex_settings
from .fetch import ProviderUnreachable, get_json
from .identity import Identity, TokenRejected, clean_email, short_text
from .models import IdentityProvider

MAX_TOKEN_CHARS = 1024


def _graph(path: str, params: dict[str, str]) -> dict:
    answer = get_json(f"{flex_settings.IDP_FACEBOOK_GRAPH_URL}/{path}", params)
    if answer.status != 200 or not isinstance(answer.body, dict):
        raise TokenRejected(f"graph_{answer.status}")  # Graph answers 4xx for a bad or expired token
    return answer.body


def verify_access_token(provider: IdentityProvider, token: str) -> Identity:
    if not token or len(token) > MAX_TOKEN_CHARS or not token.isascii() or not token.isprintable():
        raise TokenRejected("malformed")
    secret = provider.app_secret()
    if not secret:
        raise ProviderUnreachable("no usable app secret")  # misconfigured (or SECRET_KEY rotated away)
    debug = _graph("debug_token", {"input_token": token, "access_token": f"{provider.client_id}|{secret}"})
    data = debug.get("data")
    if not isinstance(data, dict) or data.get("is_valid") is not True:
        raise TokenRejected("not_valid")
    if str(data.get("app_id", "")) not in provider.client_ids:
        raise TokenRejected("app_id")
    if data.get("type", "USER") != "USER":
        raise TokenRejected("token_type")
    expires_at = data.get("expires_at")
    if not isinstance(expires_at, int) or expires_at <= time.time():
        raise TokenRejected("expired")
    user_id = str(data.get("user_id", ""))
    if not user_id:
        raise TokenRejected("subject")
    proof = hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()
    me = _graph("me", {"fields": "id,email,first_name,last_name", "access_token": token, "appsecret_proof": proof})
    if str(me.get("id", "")) != user_id:
        raise TokenRejected("subject")
    email = clean_email(me.get("email"))
    return Identity(
        subject=user_id,
        email=email,
        email_verified=email is not None and flex_settings.IDP_FACEBOOK_EMAILS_VERIFIED,
        first_name=short_text(me.get("first_name")),
        last_name=short_text(me.get("last_name")),
    )
