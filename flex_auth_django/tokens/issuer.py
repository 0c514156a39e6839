"""The one issuer: the RFC 8414 metadata's `issuer` and every signed token's `iss` (spec, "One issuer").

With FLEX_AUTH['ISSUER'] set, both are it. Without it (development only: `check --deploy`
is an error, flex_auth.E014) both follow the request: the origin the client called
(scheme and Host, validated by Django against ALLOWED_HOSTS), so `make demo` on
http://127.0.0.1:8123 names that in its metadata and in the tokens it signs, and a verifier
that reads the metadata accepts them. Tokens of every allowed host are accepted. A token
signed outside any request (a management command, a test) says FALLBACK, the origin of
http://localhost, which is accepted too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.http.request import split_domain_port, validate_host

from ..settings import flex_settings

FALLBACK = "http://localhost"
# Django's own list when DEBUG is on and ALLOWED_HOSTS is empty (HttpRequest.get_host).
_DEBUG_HOSTS = [".localhost", "127.0.0.1", "[::1]"]

_serving: ContextVar[str | None] = ContextVar("flex_auth_issuer", default=None)


def of_request(request: HttpRequest) -> str:
    """The issuer a request is answered with: ISSUER, or the origin it was made to."""
    return flex_settings.ISSUER or request.build_absolute_uri("/").rstrip("/")


def current() -> str:
    """The issuer of what is signed right now: ISSUER, the served request's origin, or FALLBACK."""
    return flex_settings.ISSUER or _serving.get() or FALLBACK


@contextmanager
def serving(request: HttpRequest) -> Iterator[None]:
    """Within this block, current() is the issuer `request` is answered with."""
    try:
        value: str | None = of_request(request)
    except DisallowedHost:
        value = None  # Django answers such a request 400 before any token is signed
    reset = _serving.set(value)
    try:
        yield
    finally:
        _serving.reset(reset)


def accepts(iss: object) -> bool:
    """Whether a signed token's `iss` is ours: ISSUER exactly; without it, the origin of an allowed host."""
    if not isinstance(iss, str):
        return False
    if flex_settings.ISSUER:
        return iss == flex_settings.ISSUER
    if iss == FALLBACK:
        return True
    try:
        parts = urlsplit(iss)
        parts.port  # noqa: B018  (raises ValueError for a malformed port)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or parts.path or parts.query or parts.fragment or "@" in parts.netloc:
        return False
    domain, _ = split_domain_port(parts.netloc)
    allowed = settings.ALLOWED_HOSTS or (_DEBUG_HOSTS if settings.DEBUG else [])
    return bool(domain) and validate_host(domain, allowed) and iss == f"{parts.scheme}://{parts.netloc}"
