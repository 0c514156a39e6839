"""Everything that exists because of django-oauth-toolkit: its seams, its legacy data, its wiring checks.

django-oauth-toolkit stays a dependency for what sites use of it: the swapped-model seam
(OAUTH2_PROVIDER_*_MODEL points at our models) and its resource-protection tools
(OAuth2Authentication, ProtectedResourceView, TokenHasScope), which reach our tokens through
server.py and validator.py (scopes decided as our classes decide, LEGACY_SCOPES included).
It issues no token here, and DOT's own views do not run: urls.py serves DOT's paths and URL
names with our endpoints (check E015 names it while oauth2_provider.urls is mounted).
The core imports nothing from this package; `register()` (called from AppConfig.ready)
plugs DOT's legacy secrets and refresh tokens into the core's hooks.
"""

from __future__ import annotations


def register() -> None:
    """Plug this wing into the core's hooks; idempotent."""
    from ..applications import secrets
    from ..console import admin_site
    from ..tokens import lookup
    from . import admin, checks, refresh_tokens  # noqa: F401  (checks: registration)
    from .secrets import DotHashedSecret

    secrets.register_verifier(DotHashedSecret())
    lookup.register_refresh_lookup(refresh_tokens.lookup_value)
    admin_site.on_admin_site(admin.hide_dot_models)
