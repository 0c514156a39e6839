"""The grants: one module per grant, each a small class (grants/base.py), and the registry that dispatches to them."""

from .base import BaseGrant
from .registry import GrantRegistry, get_registry

__all__ = ["BaseGrant", "GrantRegistry", "get_registry"]
