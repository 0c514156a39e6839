"""GET /metrics: Prometheus' text format, for addresses in METRICS_ALLOWED_IPS or a bearer METRICS_TOKEN.

Off (404) unless FLEX_AUTH["PROMETHEUS_METRICS"] is on. The counts say how busy each
application is and which errors it gets, so they are not public: the client address is the
one client_ip() trusts (REMOTE_ADDR, or X-Forwarded-For behind NUM_PROXIES proxies), and a
token is compared in constant time.
"""

from __future__ import annotations

import hmac
import ipaddress

from django.http import HttpRequest, HttpResponse
from django.views import View

from ..protocol import headers
from ..protocol.http import client_ip
from ..settings import flex_settings
from ..usage import exposition, prometheus


def allowed(request: HttpRequest) -> bool:
    token = flex_settings.METRICS_TOKEN
    if token:
        scheme, _, presented = headers.header(request.META).partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode()):
            return True
    ip = client_ip(request)
    if not ip:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in flex_settings.METRICS_ALLOWED_IPS)


def _plain(status: int, text: str) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


class MetricsView(View):
    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest) -> HttpResponse:
        if not prometheus.enabled():
            return _plain(404, "Not found.\n")
        if not allowed(request):
            return _plain(403, "Forbidden: this address may not read the metrics.\n")
        body, content_type = exposition.render()
        response = HttpResponse(body, content_type=content_type)
        response["Cache-Control"] = "no-store"
        return response
