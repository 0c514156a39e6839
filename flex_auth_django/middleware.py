"""Public import path of the Bearer-token middleware (implemented in resource/middleware.py)."""

from .resource.middleware import BearerTokenMiddleware

__all__ = ["BearerTokenMiddleware"]
