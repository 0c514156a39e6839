"""Helpers for the Login-as tests: a Marketplace app with a Marketplace URL, PKCE pairs, codes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flex_auth_django import tokens
from flex_auth_django.console import pkce
from tests.factories import ApplicationFactory, UserFactory

MARKETPLACE_URL = "https://market.example.com"
REDIRECT_URI = MARKETPLACE_URL + "/api/login-as"


def marketplace(**kwargs):
    return ApplicationFactory(marketplace_url=kwargs.pop("marketplace_url", MARKETPLACE_URL), **kwargs)


def verifier() -> str:
    """What the web template makes: 32 random bytes, base64url without padding (43 characters)."""
    return secrets.token_urlsafe(32)


@dataclass
class Code:
    raw: str
    verifier: str
    app: object
    user: object
    staff: object

    def token_params(self, **overrides) -> dict:
        params = {
            "client_id": str(self.app.client_id),
            "grant_type": "authorization_code",
            "code": self.raw,
            "redirect_uri": self.app.marketplace_url + "/api/login-as",
            "code_verifier": self.verifier,
            **overrides,
        }
        return {k: v for k, v in params.items() if v is not None}


def make_code(app=None, user=None, staff=None, *, code_verifier: str | None = None) -> Code:
    """A code as authorize-as issues it (through the token service)."""
    app = app or marketplace()
    user = user or UserFactory()
    staff = staff or UserFactory(is_staff=True, is_superuser=True)
    code_verifier = code_verifier or verifier()
    raw = tokens.issue_code(
        app,
        user=user,
        staff=staff,
        redirect_uri=app.marketplace_url + "/api/login-as",
        code_challenge=pkce.challenge_of(code_verifier),
        ip="198.51.100.7",
    )
    return Code(raw, code_verifier, app, user, staff)
