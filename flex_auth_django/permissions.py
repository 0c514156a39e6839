"""Public import path of the DRF permissions (implemented in resource/permissions.py); they compose with & | ~."""

from .resource.permissions import (
    RequireFullUser,
    RequireIntegration,
    RequirePublicRead,
    RequireScopes,
    RequireTrustedUser,
    RequireUser,
)

__all__ = [
    "RequireFullUser",
    "RequireIntegration",
    "RequirePublicRead",
    "RequireScopes",
    "RequireTrustedUser",
    "RequireUser",
]
