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

from ..settings import flex_settings
from .errors import InvalidRequest, LengthRequired

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
    mime = mime.strip().lower()
    if mime != FORM:
        sent = f"The body is {_printable(mime)}; " if mime else "The request has no Content-Type; "
        # multipart/form-data is what Django's test client and most form libraries send for a dict.
        raise InvalidRequest(f"{sent}send the parameters form-urlencoded (Content-Type: {FORM}).")
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
    if not raw and _is_chunked(request):
        raw = _read_chunked(request, limit)
    if len(raw) > limit:
        raise InvalidRequest(f"The request body is larger than {limit} bytes.")
    try:
        pairs = parse_qsl(
            raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=MAX_FIELDS
        )
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequest("The body is not valid UTF-8 form data, or has too many fields.") from None
    return _checked(pairs)


def _is_chunked(request: HttpRequest) -> bool:
    encoding = request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    return "chunked" in encoding and not request.META.get("CONTENT_LENGTH")


def _read_chunked(request: HttpRequest, limit: int) -> bytes:
    """A chunked body, which Django's WSGI request reads as empty (it has no Content-Length).

    Read from the server's stream only when the server says reading to its end is safe
    (`wsgi.input_terminated`: gunicorn does, it decodes the chunks); otherwise 411, so a
    client is told what to change instead of "Missing grant_type.".
    """
    stream = request.META.get("wsgi.input")
    if stream is None:  # ASGI: the server has already read the whole body, and it is empty
        return b""
    if not request.META.get("wsgi.input_terminated"):
        raise LengthRequired("Send the request body with a Content-Length header; chunked bodies are not accepted.")
    raw = stream.read(limit + 1)
    if len(raw) > limit:
        raise InvalidRequest(f"The request body is larger than {limit} bytes.")
    return raw


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
