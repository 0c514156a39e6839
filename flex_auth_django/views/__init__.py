"""The endpoints: token, auth_with_idp, revoke, introspect, jwks.json, metadata, metrics, the OpenAPI description."""

from .auth_with_idp import AuthWithIdpView
from .introspect import IntrospectView
from .jwks import JWKSView
from .metadata import MetadataView
from .metrics import MetricsView
from .openapi import OpenAPIView
from .revoke import RevokeView
from .token import TokenView

__all__ = [
    "AuthWithIdpView",
    "IntrospectView",
    "JWKSView",
    "MetadataView",
    "MetricsView",
    "OpenAPIView",
    "RevokeView",
    "TokenView",
]
