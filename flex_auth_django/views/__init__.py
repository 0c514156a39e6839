"""The endpoints: token, auth_with_idp, revoke, introspect, metadata, and the OpenAPI description."""

from .auth_with_idp import AuthWithIdpView
from .introspect import IntrospectView
from .metadata import MetadataView
from .openapi import OpenAPIView
from .revoke import RevokeView
from .token import TokenView

__all__ = ["AuthWithIdpView", "IntrospectView", "MetadataView", "OpenAPIView", "RevokeView", "TokenView"]
