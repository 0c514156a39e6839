"""The example site: admin, the Authentication API at /oauth/ and /v1/auth/, and a demo API."""

from django.contrib import admin
from django.urls import include, path

from flex_auth_django.views import MetadataView, MetricsView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("oauth/", include("flex_auth_django.urls")),
    # What the Sharetribe SDKs call: {baseUrl}/v1/auth/token and /v1/auth/revoke.
    path("v1/auth/", include("flex_auth_django.urls", namespace="flex_auth_sdk")),
    # The console URL of Login as user: SERVER_SHARETRIBE_CONSOLE_URL=<site>/flex-console.
    path("flex-console/", include("flex_auth_django.console_urls")),
    path(".well-known/oauth-authorization-server", MetadataView.as_view(), name="oauth-metadata"),
    # Prometheus (FLEX_AUTH["PROMETHEUS_METRICS"], on below): 127.0.0.1 and ::1 only unless
    # METRICS_ALLOWED_IPS or METRICS_TOKEN say otherwise.
    path("metrics", MetricsView.as_view(), name="metrics"),
    path("", include("example_project.demo_api.urls")),
]
