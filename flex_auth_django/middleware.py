"""Public import paths of the middleware: Bearer tokens (resource/middleware.py), request metrics (usage/)."""

from .resource.middleware import BearerTokenMiddleware
from .usage.middleware import RequestMetricsMiddleware

__all__ = ["BearerTokenMiddleware", "RequestMetricsMiddleware"]
