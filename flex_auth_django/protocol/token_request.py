"""TokenRequest: one token request, parsed once by the token view and handed to the grant.

Everything a grant needs from the HTTP request lives here: the strictly parsed body
parameters, the client credentials (parsed on first use, so that an unsupported grant
type is reported before malformed client credentials, as the spec's check order says),
the client IP and the Django request itself (for authentication backends).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from django.http import HttpRequest

from . import headers
from .client_auth import ClientCredentials, extract
from .http import client_ip


@dataclass
class TokenRequest:
    params: Mapping[str, str]
    ip: str | None
    http_request: HttpRequest | None = None
    authorization_header: str = field(default="", repr=False)

    @classmethod
    def from_http(cls, request: HttpRequest, params: Mapping[str, str]) -> TokenRequest:
        return cls(
            params=params,
            ip=client_ip(request),
            http_request=request,
            authorization_header=headers.header(request.META),
        )

    @property
    def grant_type(self) -> str | None:
        return self.params.get("grant_type")

    @property
    def scope(self) -> str | None:
        return self.params.get("scope")

    def param(self, name: str) -> str | None:
        """A body parameter; absent and empty are the same (RFC 6749 section 3.1)."""
        return self.params.get(name)

    @cached_property
    def credentials(self) -> ClientCredentials:
        """Basic or body client credentials; raises invalid_request / invalid_client when malformed."""
        return extract(self.authorization_header, self.params)
