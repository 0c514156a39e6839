"""Public import path of the plain-Django view decorators (implemented in resource/decorators.py)."""

from .resource.decorators import (
    full_user_required,
    integration_required,
    public_read_required,
    scopes_required,
    trusted_user_required,
    user_required,
)

__all__ = [
    "full_user_required",
    "integration_required",
    "public_read_required",
    "scopes_required",
    "trusted_user_required",
    "user_required",
]
