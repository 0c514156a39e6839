"""The endpoints: token, revoke, introspect, metadata."""

from .introspect import IntrospectView
from .metadata import MetadataView
from .revoke import RevokeView
from .token import TokenView

__all__ = ["IntrospectView", "MetadataView", "RevokeView", "TokenView"]
