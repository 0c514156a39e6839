"""The endpoints: token, revoke, introspect, metadata, and the OpenAPI description."""

from .introspect import IntrospectView
from .metadata import MetadataView
from .openapi import OpenAPIView
from .revoke import RevokeView
from .token import TokenView

__all__ = ["IntrospectView", "MetadataView", "OpenAPIView", "RevokeView", "TokenView"]
