"""Plain-Django views protected by access level, with the same answers as the DRF permissions.

    @scopes_required("user")
    def my_orders(request): ...   # request.user is the token's user, request.auth the token

Ready-made: public_read_required, user_required, full_user_required (refuses `user:limited`,
Login as user), trusted_user_required, integration_required.
Errors are the JSON of flex_auth_django.protocol.errors (401 missing_token / invalid_token, 403
insufficient_scope, each with its Bearer challenge). For class-based views use
django.utils.decorators.method_decorator on dispatch.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from ..protocol.errors import OAuthError
from ..tokens import scopes
from . import access

View = Callable[..., HttpResponse]


def scopes_required(*required: str, refused: tuple[str, ...] = ()) -> Callable[[View], View]:
    """Let a view run only for a request whose Bearer token grants every scope in `required`
    (and none in `refused`)."""
    needed = access.requirement(required)
    refusing = access.requirement(refused) if refused else frozenset()

    def decorator(view: View) -> View:
        @wraps(view)
        def protected(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                token = access.check(request, needed, refusing)
            except OAuthError as error:
                return error.to_response()
            request.auth = token
            request.user = access.user_of(token)
            return view(request, *args, **kwargs)

        # Safe without a CSRF token: every request that gets through carries a Bearer
        # header, which browsers never add by themselves (DRF exempts its views likewise).
        return csrf_exempt(protected)

    return decorator


public_read_required = scopes_required(scopes.PUBLIC_READ)
user_required = scopes_required(scopes.USER)
full_user_required = scopes_required(scopes.USER, refused=(scopes.USER_LIMITED,))
trusted_user_required = scopes_required(scopes.TRUSTED_USER)
integration_required = scopes_required(scopes.INTEG)
