"""tests/dot/site_urls.py after the guide's step (docs/guides/dot.md, "DOT's URLs"): DOT's include
replaced by ours, everything else as it was; plus the admin DOT's management pages lead to, and
our own mount, to compare the wire format with."""

from django.contrib import admin
from django.urls import include, path

from tests.dot.site_urls import api_patterns

urlpatterns = [
    path("o/", include("flex_auth_django.dot.urls", namespace="oauth2_provider")),
    *api_patterns,
    path("admin/", admin.site.urls),
    path("oauth/", include("flex_auth_django.urls")),
]
