"""The application service: find applications by client ID, check their secrets, create them,
(re)generate their one-time-shown secrets, switch them on and off, count their activity.

Callers use the names below (`applications.find`, `applications.verify_secret`, ...); each
lives in the module of its concern.
"""

from .activity import with_activity
from .lifecycle import (
    clean_marketplace_url,
    clean_name,
    create_application,
    revoke_tokens,
    set_active,
    set_marketplace_url,
)
from .lookup import find, touch
from .secrets import assign_new_secret, regenerate_secret, verify_secret

__all__ = [
    "assign_new_secret",
    "clean_marketplace_url",
    "clean_name",
    "create_application",
    "find",
    "regenerate_secret",
    "revoke_tokens",
    "set_active",
    "set_marketplace_url",
    "touch",
    "verify_secret",
    "with_activity",
]
