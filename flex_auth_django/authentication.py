"""Public import path of the DRF authentication class (implemented in resource/authentication.py)."""

from .resource.authentication import FlexTokenAuthentication, api_exception

__all__ = ["FlexTokenAuthentication", "api_exception"]
