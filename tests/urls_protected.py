"""A URLconf for tests: the example site plus plain-Django and DRF views protected every other way."""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import include, path
from django.utils.decorators import method_decorator
from django.views import View
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from flex_auth_django.resource import decorators
from flex_auth_django.resource.authentication import FlexTokenAuthentication
from flex_auth_django.resource.permissions import (
    RequireFullUser,
    RequireIntegration,
    RequirePublicRead,
    RequireScopes,
    RequireTrustedUser,
    RequireUser,
)


def whoami(request) -> JsonResponse:
    auth = getattr(request, "auth", None)
    return JsonResponse(
        {
            "user": request.user.get_username() if request.user.is_authenticated else None,
            "kind": getattr(auth, "kind", None),
            "scopes": getattr(auth, "scopes", None),
        }
    )


class WhoAmIView(View):
    def get(self, request):
        return whoami(request)

    def post(self, request):
        return whoami(request)


class DrfWhoAmI(APIView):
    authentication_classes = [FlexTokenAuthentication]

    def get(self, request):
        auth = request.auth
        return Response(
            {
                "user": request.user.get_username() if request.user.is_authenticated else None,
                "kind": getattr(auth, "kind", None),
                "scopes": getattr(auth, "scopes", None),
            }
        )


def drf_view(permissions, name=None, **attrs):
    return type(name or "Protected", (DrfWhoAmI,), {"permission_classes": permissions, **attrs}).as_view()


class PerActionPermissions(DrfWhoAmI):
    """Chooses its permissions in get_permissions(), as viewsets often do."""

    permission_classes: list = []

    def get_permissions(self):
        return [RequireUser()]


class SessionFirst(DrfWhoAmI):
    authentication_classes = [SessionAuthentication, FlexTokenAuthentication]
    permission_classes = [RequireUser]


PLAIN = {
    "public-read": decorators.public_read_required,
    "user": decorators.user_required,
    "trusted:user": decorators.trusted_user_required,
    "integ": decorators.integration_required,
}

urlpatterns = [
    path("", include("example_project.urls")),
    *(path(f"plain/{scope}", decorator(whoami)) for scope, decorator in PLAIN.items()),
    path("plain-cbv/user", method_decorator(decorators.user_required, name="dispatch")(WhoAmIView).as_view()),
    path("plain-open", whoami),
    path("drf/user-or-integ", drf_view([RequireUser | RequireIntegration])),
    path("drf/anonymous-only", drf_view([RequirePublicRead & ~RequireUser])),
    path("drf/not-integ", drf_view([~RequireIntegration])),
    path("drf/view-scopes", drf_view([RequireScopes], required_scopes=["trusted:user"])),
    path("drf/trusted", drf_view([RequireTrustedUser])),
    path("drf/open", drf_view([AllowAny])),
    path("drf/per-action", PerActionPermissions.as_view()),
    path("drf/session-first", SessionFirst.as_view()),
    # Views that must refuse Login-as tokens (user:limited): payouts, messages, transactions.
    path("drf/full-user", drf_view([RequireFullUser])),
    path("drf/user-not-limited", drf_view([RequireUser & ~RequireScopes], required_scopes=["user:limited"])),
    path("plain/full-user", decorators.full_user_required(whoami)),
]
