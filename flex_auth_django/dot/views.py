"""What answers at django-oauth-toolkit's URLs that have no counterpart here (dot/urls.py).

DOT's authorization, device, OpenID Connect and client-registration views would run oauthlib
flows against models this server does not have: here they answer a 404 in the endpoints'
JSON error envelope that says what to use instead. Its application and token management
pages redirect to our admin, where applications and sessions are managed.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from ..protocol.endpoint import EndpointView
from ..protocol.errors import OAuthError
from ..views import MetadataView

EVERY_METHOD = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class NotServed(OAuthError):
    error = "not_found"
    status_code = 404
    description = "Not served here."


class NotServedView(EndpointView):
    """404 with `reason` for every method (a 405 would suggest another method works)."""

    allowed_methods = EVERY_METHOD
    reason = NotServed.description

    def handle(self, request: HttpRequest) -> HttpResponse:
        raise NotServed(self.reason)


def not_served(reason: str):
    return NotServedView.as_view(reason=reason)


@method_decorator(csrf_exempt, name="dispatch")  # a redirect changes nothing; CSRF would answer 403 first
class AdminRedirectView(View):
    """DOT's management pages: our admin's page for the same thing (302 for GET, 303 See Other for a
    form's POST, whose action is done there); 404 when the site mounts no admin."""

    admin_url_name = "admin:index"
    what = "this"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            target = reverse(self.admin_url_name)
        except NoReverseMatch:
            return NotServed(f"Manage {self.what} in the Django admin; this site mounts none.").to_response()
        response = HttpResponseRedirect(target)
        if request.method not in ("GET", "HEAD"):
            response.status_code = 303
        return response


def admin_page(admin_url_name: str, what: str):
    return AdminRedirectView.as_view(admin_url_name=admin_url_name, what=what)


class DotMetadataView(MetadataView):
    """RFC 8414 metadata beside DOT's endpoint paths: names them by DOT's URL names, in the
    namespace the document itself was reached in."""

    namespace = None
    url_names = {"token": "token", "revoke": "revoke-token", "introspect": "introspect", "jwks": "jwks-info"}
