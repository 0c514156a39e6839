"""The example site's routes plus the benchmark's own views under /bench/."""

from django.urls import path
from rest_framework.permissions import AllowAny

from bench.flex_site.bare import bare_token
from bench.views import EchoUser, check_password_view, hello
from example_project.urls import urlpatterns as example_urlpatterns

try:  # FlexTokenAuthentication and RequireUser arrive with the DRF classes
    from flex_auth_django.resource.authentication import FlexTokenAuthentication
    from flex_auth_django.resource.permissions import RequirePublicRead, RequireUser
except ImportError:  # pragma: no cover - the bench reports the scenario as skipped
    protected = []
else:
    protected = [
        path(
            "bench/api/flex",
            EchoUser.as_view(authentication_classes=[FlexTokenAuthentication], permission_classes=[RequireUser]),
        ),
        # The same view for anonymous (signed) tokens: public-read is all they carry.
        path(
            "bench/api/public",
            EchoUser.as_view(authentication_classes=[FlexTokenAuthentication], permission_classes=[RequirePublicRead]),
        ),
    ]

urlpatterns = [
    path("bench/hello", hello),
    # The limit of an anonymous token endpoint on this stack (bench/flex_site/bare.py).
    path("bench/bare-token", bare_token),
    path("bench/check-password", check_password_view),
    path("bench/api/open", EchoUser.as_view(authentication_classes=[], permission_classes=[AllowAny])),
    *protected,
    *example_urlpatterns,
]
