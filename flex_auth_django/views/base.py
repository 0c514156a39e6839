"""What every endpoint shares: POST only, JSON errors, no 500s, 503 when the database is down."""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from oauthlib.oauth2 import OAuth2Error

from ..errors import MethodNotAllowed, OAuthError, ServerError, TemporarilyUnavailable, from_oauthlib

logger = logging.getLogger("flex_auth_django")


@method_decorator(csrf_exempt, name="dispatch")
class EndpointView(View):
    """A POST-only endpoint whose failures are always the JSON of an OAuthError."""

    allowed_methods: tuple[str, ...] = ("POST",)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            if request.method not in self.allowed_methods:
                raise MethodNotAllowed(request.method or "", self.allowed_methods)
            return self.handle(request)
        except OAuthError as exc:
            return exc.to_response()
        except OAuth2Error as exc:
            return from_oauthlib(exc).to_response()
        except DatabaseError as exc:
            logger.error("database unavailable: %s", type(exc).__name__)
            return TemporarilyUnavailable().to_response()
        except Exception:
            # A bug, never input: log it (the traceback has no request body) and answer JSON.
            logger.exception("unexpected error in %s", type(self).__name__)
            return ServerError().to_response()

    def handle(self, request: HttpRequest) -> HttpResponse:
        raise NotImplementedError
