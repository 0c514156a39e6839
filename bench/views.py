"""Views both benchmarked sites serve, so the flex site and stock DOT are measured on the same code.

Deliberately free of flex_auth_django imports: the stock django-oauth-toolkit site uses this module too.
"""

from __future__ import annotations

from django.contrib.auth.hashers import check_password, make_password
from django.http import HttpRequest, HttpResponse
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

# Every seeded user has this password (bench/seed.py), hashed with the site's default hasher.
PASSWORD = "bench-password-0123"


def hello(request: HttpRequest) -> HttpResponse:
    """The stack's ceiling: the same middleware and gunicorn, no database, no DRF."""
    return HttpResponse(b"Hello, world\n", content_type="text/plain")


_ENCODED: list[str] = []


def check_password_view(request: HttpRequest) -> HttpResponse:
    """hello() plus one check_password against a stored hash of the seeded users' kind.

    The password grant's floor: the same HTTP stack and the same hasher work, none of the
    grant's own work (client lookup, throttle counters, token inserts, audit log).
    """
    if not _ENCODED:
        _ENCODED.append(make_password(PASSWORD))  # once per worker, outside the measured steady state
    if not check_password(PASSWORD, _ENCODED[0]):
        return HttpResponse(b"wrong\n", status=500, content_type="text/plain")
    return HttpResponse(b"ok\n", content_type="text/plain")


class EchoUser(APIView):
    """The DRF view measured unprotected and behind each authentication class."""

    renderer_classes = [JSONRenderer]

    def get(self, request):
        return Response({"hello": "world", "user": getattr(request.user, "pk", None)})
