"""A site on django-oauth-toolkit, as its tutorial builds one: DOT's endpoints under /o/ and views
protected by DOT's scope tools (`read`, `write`). The "before" of tests/dot/test_dot_site.py;
switched_urls.py is the same site after the guide's step."""

from django.http import JsonResponse
from django.urls import include, path
from oauth2_provider.contrib.rest_framework import OAuth2Authentication, TokenHasReadWriteScope, TokenHasScope
from oauth2_provider.views.generic import ScopedProtectedResourceView
from rest_framework.response import Response
from rest_framework.views import APIView

from flex_auth_django.authentication import FlexTokenAuthentication
from flex_auth_django.permissions import RequireScopes


class Orders(ScopedProtectedResourceView):
    """Plain Django, DOT's view mixin: a token with scope `read`."""

    required_scopes = ["read"]

    def get(self, request):
        return JsonResponse({"orders": [], "user": request.resource_owner.pk if request.resource_owner else None})


class Reports(APIView):
    """DRF with DOT's authentication and TokenHasScope: scope `write`."""

    authentication_classes = [OAuth2Authentication]
    permission_classes = [TokenHasScope]
    required_scopes = ["write"]

    def get(self, request):
        return Response({"reports": []})


class Notes(APIView):
    """DRF with DOT's TokenHasReadWriteScope: `read` to GET, `write` to POST."""

    authentication_classes = [OAuth2Authentication]
    permission_classes = [TokenHasReadWriteScope]

    def get(self, request):
        return Response({"notes": []})

    def post(self, request):
        return Response({"saved": True})


class Stock(APIView):
    """DRF with our classes, still naming the legacy scope `read`."""

    authentication_classes = [FlexTokenAuthentication]
    permission_classes = [RequireScopes]
    required_scopes = ["read"]

    def get(self, request):
        return Response({"stock": []})


api_patterns = [
    path("api/orders/", Orders.as_view()),
    path("api/reports/", Reports.as_view()),
    path("api/notes/", Notes.as_view()),
    path("api/stock/", Stock.as_view()),
]

urlpatterns = [
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    *api_patterns,
]
