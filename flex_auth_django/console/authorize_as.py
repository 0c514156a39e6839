"""GET <console>/api/authorize-as: the console's half of Login as user (spec: Login as user, step 3).

The marketplace's initiate-login-as route sends the operator's browser here. A signed-in
staff member with the Login-as permission and a matching intent from the admin button
gets a single-use code, sent back to `<Marketplace URL>/api/login-as` with the `state`.

Until the client and its redirect URI are known to be right, nothing redirects: a bad
`client_id` or `redirect_uri` gets an error page (RFC 6749 section 4.1.2.1), so this
endpoint is never an open redirector. Every other refusal goes back to the marketplace as
`error=access_denied` or `invalid_request` with the `state`, which the web template
checks first.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views import View

from .. import applications, tokens
from ..models import ApiType, Application
from ..protocol.errors import InvalidRequest
from ..protocol.failures import as_error, html_page
from ..protocol.http import client_ip
from ..settings import flex_settings
from . import intents, marketplace_url, pkce, rules

REDIRECT_MISMATCH = "Mismatch between redirect_uri parameter value and Marketplace URL."


class _Repeated(Exception):
    """A parameter was sent more than once, or is too long to be real."""

    def __str__(self) -> str:
        limit = flex_settings.MAX_PARAMETER_LENGTH
        return f"The parameter {self.args[0]} must be sent exactly once, at most {limit} characters long."


class _Refusal(Exception):
    """A refusal that goes back to the marketplace (redirect_uri is known to be right)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def _param(request: HttpRequest, name: str) -> str | None:
    values = request.GET.getlist(name)
    if len(values) > 1:
        raise _Repeated(name)
    value = values[0] if values else None
    if value is not None and len(value) > flex_settings.MAX_PARAMETER_LENGTH:
        raise _Repeated(name)
    return value or None


def _no_store(response: HttpResponse) -> HttpResponse:
    # The Location carries a code: keep it out of caches and of the next page's Referer.
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    response["Referrer-Policy"] = "no-referrer"
    return response


def error_page(request: HttpRequest, message: str) -> HttpResponse:
    """A refusal that must not redirect (unknown client, wrong redirect_uri): a page for the operator."""
    return html_page(request, InvalidRequest(message))


def _redirect(redirect_uri: str, params: dict[str, str | None]) -> HttpResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return _no_store(HttpResponseRedirect(f"{redirect_uri}?{query}"))


class AuthorizeAsView(View):
    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.authorize(request)
        except Exception as exc:  # noqa: BLE001 - outages and bugs get the page too (as_error logs them)
            return html_page(request, as_error(exc, type(self).__name__))

    def authorize(self, request: HttpRequest) -> HttpResponse:
        # 1. The client and its redirect URI: an error page, never a redirect.
        try:
            client_id = _param(request, "client_id")
            redirect_uri = _param(request, "redirect_uri")
        except _Repeated as repeated:
            return error_page(request, str(repeated))
        application = applications.find(client_id)
        if (
            application is None
            or not application.is_active
            or application.api_type != ApiType.MARKETPLACE
            or not application.marketplace_url
        ):
            return error_page(
                request, "Unknown client_id: not an active Marketplace application with a Marketplace URL."
            )
        if not self.redirect_allowed(application, redirect_uri):
            return error_page(request, REDIRECT_MISMATCH)
        # 2. From here on, refusals go back to the marketplace with the state.
        try:
            state = _param(request, "state")
        except _Repeated:
            refused = {"error": "invalid_request", "error_description": "Repeated or overlong state."}
            return _redirect(redirect_uri, refused)
        try:
            code = self.issue(request, application, redirect_uri)
        except _Refusal as refusal:
            return _redirect(
                redirect_uri, {"error": refusal.error, "error_description": refusal.description, "state": state}
            )
        return _redirect(redirect_uri, {"code": code, "state": state})

    @staticmethod
    def redirect_allowed(application: Application, redirect_uri: str | None) -> bool:
        """Exactly `<Marketplace URL>/api/login-as`: no normalisation, no added query (RFC 9700 section 4.1.3)."""
        if redirect_uri is None or redirect_uri != marketplace_url.redirect_uri(application.marketplace_url):
            return False
        parts = urlsplit(redirect_uri)
        return marketplace_url.secure_enough(parts.scheme, parts.hostname)  # even if the stored URL was not

    def issue(self, request: HttpRequest, application: Application, redirect_uri: str) -> str:
        staff = getattr(request, "user", None)
        if staff is None or not staff.is_authenticated:
            raise _Refusal("access_denied", "Sign in to the admin first, then press “Log in as user” again.")
        if not rules.may_act(staff):
            raise _Refusal("access_denied", "You do not have the permission to log in as users.")
        try:
            response_type = _param(request, "response_type")
            user_id = _param(request, "user_id")
            challenge = _param(request, "code_challenge")
            method = _param(request, "code_challenge_method")
        except _Repeated as repeated:
            raise _Refusal("invalid_request", str(repeated)) from None
        if response_type != "code":
            raise _Refusal("invalid_request", "response_type must be code.")
        if user_id is None:
            raise _Refusal("invalid_request", "Missing user_id.")
        if method != pkce.METHOD:
            raise _Refusal("invalid_request", "code_challenge_method must be S256.")
        if not pkce.valid_challenge(challenge):
            raise _Refusal("invalid_request", "code_challenge must be 43 characters of base64url (S256).")
        intent, why = intents.take(
            request, staff_key=rules.user_key(staff), user_id=user_id, client_id=str(application.client_id)
        )
        if intent is None:
            raise _Refusal("access_denied", why)
        target = _user(intent.user)
        refusal = rules.refusal(staff, target)
        if refusal is not None:
            raise _Refusal("access_denied", refusal)
        return tokens.issue_code(
            application,
            user=target,
            staff=staff,
            redirect_uri=redirect_uri,
            code_challenge=challenge,
            ip=client_ip(request),
        )


def _user(key: str):
    try:
        return get_user_model()._default_manager.filter(pk=key).first()
    except (ValueError, TypeError, ValidationError):
        return None
