"""DOT's endpoints under /o/ (as its tutorial mounts them) and the benchmark's views under /bench/."""

from django.urls import include, path
from oauth2_provider.contrib.rest_framework import OAuth2Authentication, TokenHasReadWriteScope
from rest_framework.permissions import AllowAny, IsAuthenticated

from bench.views import EchoUser, hello

urlpatterns = [
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("bench/hello", hello),
    path("bench/api/open", EchoUser.as_view(authentication_classes=[], permission_classes=[AllowAny])),
    path(
        "bench/api/dot",
        EchoUser.as_view(
            authentication_classes=[OAuth2Authentication], permission_classes=[IsAuthenticated, TokenHasReadWriteScope]
        ),
    ),
]
