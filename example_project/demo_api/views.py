"""The demo API: a few Sharetribe-shaped endpoints, one per access level, protected by the DRF classes.

    GET  /v1/api/marketplace/show              public-read  (sdk.marketplace.show())
    GET  /v1/api/current_user/show             user         (sdk.currentUser.show())
    POST /v1/api/demo/privileged               trusted:user (a token from sdk.exchangeToken())
    POST /v1/api/current_user/create_with_idp  public-read  (sdk.currentUser.createWithIdp())
    GET  /v1/integration_api/marketplace/show  integ        (integrationSdk.marketplace.show())

Bodies follow Sharetribe's `{"data": {"id", "type", "attributes"}}`; JSON by default,
Transit when the client asks for it, as the SDKs do.
"""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.parsers import FormParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from flex_auth_django.idp.views import CreateUserWithIdpView
from flex_auth_django.resource.authentication import FlexTokenAuthentication
from flex_auth_django.resource.permissions import RequireIntegration, RequirePublicRead, RequireTrustedUser, RequireUser

from .parsers import JSONParser, TransitParser
from .renderers import TransitRenderer
from .transit import Keyword

MARKETPLACE_ID = uuid.UUID("6a1e3b52-3c1f-4f3e-9f3e-2c6f7d1b5a10")
MARKETPLACE_NAME = "Example marketplace"


def user_id(user) -> uuid.UUID:
    """Sharetribe ids are UUIDs; the demo maps Django's integer primary key into one."""
    return uuid.UUID(int=int(user.pk))


def marketplace() -> dict:
    return {"data": {"id": MARKETPLACE_ID, "type": Keyword("marketplace"), "attributes": {"name": MARKETPLACE_NAME}}}


def current_user(user) -> dict:
    email = getattr(user, get_user_model().get_email_field_name(), "") or ""
    first, last = getattr(user, "first_name", "") or "", getattr(user, "last_name", "") or ""
    display = " ".join(part for part in (first, last) if part) or email.split("@")[0]
    return {
        "data": {
            "id": user_id(user),
            "type": Keyword("currentUser"),
            "attributes": {
                "email": email,
                "emailVerified": False,
                "banned": False,
                "deleted": False,
                "createdAt": getattr(user, "date_joined", None),
                "profile": {
                    "firstName": first,
                    "lastName": last,
                    "displayName": display,
                    "abbreviatedName": "".join(part[:1] for part in (first, last) if part).upper() or display[:2],
                },
            },
        }
    }


class SdkAPIView(APIView):
    """Bearer tokens only; JSON for curl, Transit for the SDKs."""

    authentication_classes = [FlexTokenAuthentication]
    renderer_classes = [JSONRenderer, TransitRenderer]


class MarketplaceShow(SdkAPIView):
    permission_classes = [RequirePublicRead]

    def get(self, request):
        return Response(marketplace())


class CurrentUserShow(SdkAPIView):
    permission_classes = [RequireUser]

    def get(self, request):
        return Response(current_user(request.user))


class DemoPrivileged(SdkAPIView):
    """Stands in for Sharetribe's privileged operations, which need a trusted:user token."""

    permission_classes = [RequireTrustedUser]

    def post(self, request):
        return Response(
            {
                "data": {
                    "id": uuid.uuid4(),
                    "type": Keyword("demoPrivilegedOperation"),
                    "attributes": {
                        "performedFor": user_id(request.user),
                        "clientId": request.auth.application.client_id,
                        "performedAt": timezone.now(),
                    },
                }
            }
        )


class IntegrationMarketplaceShow(SdkAPIView):
    permission_classes = [RequireIntegration]

    def get(self, request):
        return Response(marketplace())


class CurrentUserCreateWithIdp(CreateUserWithIdpView):
    """sdk.currentUser.createWithIdp(): the app's sign-up view, answering in the demo's shapes."""

    authentication_classes = SdkAPIView.authentication_classes
    renderer_classes = SdkAPIView.renderer_classes
    parser_classes = [TransitParser, JSONParser, FormParser]

    def render_user(self, user) -> dict:
        return current_user(user)
