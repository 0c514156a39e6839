"""Every failure of a request, in one place: what it becomes, and the envelope each surface renders it in.

As DRF's EXCEPTION_HANDLER: `as_error()` turns any exception into an OAuthError (one of ours
as it is; a database outage into 503 temporarily_unavailable, with the broken connections
dropped; anything else, a bug and never input, into a logged 500 that quotes no value).
The envelopes: the RFC 6749 JSON body of the token, revoke, introspect and resource
endpoints (`OAuthError.to_response()`); the JSON:API `{"errors": [...]}` the Sharetribe SDKs
read from the Marketplace API (`json_api()`); and the console's HTML page for a person in a
browser (`html_page()`).
"""

from __future__ import annotations

import logging
import traceback

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from rest_framework.response import Response

from ..db.outages import DATABASE_OUTAGES, drop_broken_connections
from ..usage.receivers import answered_with_5xx
from .errors import OAuthError, ServerError, TemporarilyUnavailable

logger = logging.getLogger("flex_auth_django")

CONSOLE_ERROR_TEMPLATE = "flex_auth_django/console/error.html"


def as_error(exc: BaseException, where: str) -> OAuthError:
    """The OAuthError a request that raised `exc` in `where` (a view's name) is answered with.

    An answer of 500 or 503 is counted here (usage counters); refusals below 500 are counted
    from the signals the endpoints send.
    """
    error = _translate(exc, where)
    if error.status_code >= 500:
        answered_with_5xx(error.error)
    return error


def _translate(exc: BaseException, where: str) -> OAuthError:
    if isinstance(exc, OAuthError):
        return exc
    if isinstance(exc, DATABASE_OUTAGES):
        logger.error("event=database_unavailable error=%s", type(exc).__name__)
        drop_broken_connections()
        return TemporarilyUnavailable()
    # The traceback is logged without the exception's message, which can quote values (a
    # database error quoting a digest, say).
    logger.error(
        "event=server_error view=%s error=%s\n%s",
        where,
        type(exc).__name__,
        "".join(traceback.format_tb(exc.__traceback__)),
    )
    return ServerError()


def json_api(error: OAuthError) -> Response:
    """The Marketplace API's JSON:API error document (what the SDKs and the web template read), as a
    DRF Response, so the API view's renderers write it (JSON, or Transit for the SDKs).

    Its `code` is the error's own JSON:API code when it has one (`api_code`), else the OAuth
    code in the API's kebab case (`too_many_requests` -> `too-many-requests`).
    """
    code = getattr(error, "api_code", None) or error.error.replace("_", "-")
    body = {"errors": [{"status": error.status_code, "code": code, "title": error.description}]}
    return Response(body, status=error.status_code, headers=error.headers)


def html_page(request: HttpRequest, error: OAuthError) -> HttpResponse:
    """The console's error page: for an operator's browser, never cached, never sent on as a Referer."""
    response = TemplateResponse(
        request, CONSOLE_ERROR_TEMPLATE, {"message": error.description}, status=error.status_code
    )
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    response["Referrer-Policy"] = "no-referrer"
    return response
