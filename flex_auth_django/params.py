"""Strict parsing of `application/x-www-form-urlencoded` request bodies.

Django's QueryDict keeps the last of repeated parameters and tolerates odd charsets;
RFC 6749 section 3.2 says parameters MUST NOT be repeated, so this parser sees every
pair and refuses, with invalid_request, what Django would quietly accept.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.http.request import RawPostDataException

from .errors import InvalidRequest
from .settings import flex_settings

FORM = "application/x-www-form-urlencoded"
_UTF8 = {"utf-8", "utf8"}
MAX_FIELDS = 64


def _printable(name: str) -> str:
    return "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "?" for c in name[:40])


def parse_form(request: HttpRequest) -> dict[str, str]:
    """The body's parameters, each exactly once; raises InvalidRequest otherwise."""
    params = _parse_form(request)
    request.flex_params = params  # for parsed(): the audit log's context when the request is refused
    return params


def parsed(request: HttpRequest) -> dict[str, str]:
    """What parse_form() returned for this request, or {} if it was not called or refused the body."""
    return getattr(request, "flex_params", None) or {}


def _parse_form(request: HttpRequest) -> dict[str, str]:
    mime, _, options = (request.META.get("CONTENT_TYPE") or "").partition(";")
    if mime.strip().lower() != FORM:
        raise InvalidRequest(f"Send the parameters as {FORM}.")
    for option in options.split(";"):
        key, _, value = option.partition("=")
        if key.strip().lower() == "charset" and value.strip().strip('"').lower() not in _UTF8:
            raise InvalidRequest("Only the UTF-8 charset is accepted.")
    limit = flex_settings.MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise InvalidRequest("Malformed Content-Length.") from None
    if declared > limit:
        raise InvalidRequest(f"The request body is larger than {limit} bytes.")
    try:
        raw = request.body
    except RequestDataTooBig:
        raise InvalidRequest(f"The request body is larger than {limit} bytes.") from None
    except RawPostDataException:  # a middleware read request.POST first
        return _from_querydict(request)
    if len(raw) > limit:
        raise InvalidRequest(f"The request body is larger than {limit} bytes.")
    try:
        pairs = parse_qsl(
            raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=MAX_FIELDS
        )
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequest("The body is not valid UTF-8 form data, or has too many fields.") from None
    return _checked(pairs)


def _from_querydict(request: HttpRequest) -> dict[str, str]:
    return _checked((key, value) for key, values in request.POST.lists() for value in values)


def _checked(pairs) -> dict[str, str]:
    max_length = flex_settings.MAX_PARAMETER_LENGTH
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            raise InvalidRequest(f"Parameter '{_printable(name)}' was sent more than once.")
        if "\x00" in name or "\x00" in value:
            raise InvalidRequest("Parameters may not contain NUL characters.")
        if len(value) > max_length or len(name) > 128:
            raise InvalidRequest(f"Parameter '{_printable(name)}' is too long.")
        params[name] = value
    return params
