"""django-oauth-toolkit's URLs, served by ours: the drop-in for include("oauth2_provider.urls").

Same paths, same URL names, same application namespace (`oauth2_provider`), so clients that
post to /o/token/ and templates that reverse "oauth2_provider:token" change nothing:

    path("o/", include("flex_auth_django.dot.urls")),   # was include("oauth2_provider.urls")

token/, revoke_token/ and introspect/ are our endpoints (every grant of ours, our wire
format); .well-known/jwks.json our signing keys; the metadata names these paths. Application
and token management redirect to our admin; authorization, device, OpenID Connect and
client-registration URLs answer a JSON 404 (dot/views.py). DOT's own views are not run
here: they reach the token models by fields ours do not have (token_checksum, Application.user),
which is why check flex_auth.E015 names this module while oauth2_provider.urls is mounted.
Every pattern of DOT's urls.py has one here (tests/dot/test_dot_site.py).
"""

from django.urls import path, re_path

from ..views import IntrospectView, JWKSView, RevokeView, TokenView
from .views import DotMetadataView, admin_page, not_served

app_name = "oauth2_provider"

NO_AUTHORIZATION = (
    "This server has no authorization endpoint: users sign in at the token endpoint (password grant, "
    "or auth_with_idp), and Login as user starts from the admin."
)
NO_DEVICE = "The device authorization grant (RFC 8628) is not served here."
NO_OIDC = "OpenID Connect is not served here; signed access tokens verify with .well-known/jwks.json (RFC 9068)."
NO_REGISTRATION = (
    "Dynamic client registration is not served here: create applications in the admin or with "
    "`manage.py flex_create_application`."
)
APPLICATIONS = "admin:flex_auth_django_application_changelist"
SESSIONS = "admin:flex_auth_django_session_changelist"

metadata_urlpatterns = [
    path(".well-known/oauth-authorization-server", DotMetadataView.as_view(), name="oauth-server-metadata"),
    path(
        ".well-known/oauth-authorization-server/<path:issuer_path>",
        not_served("No issuer with a path is served here: see .well-known/oauth-authorization-server."),
        name="oauth-server-metadata-issuer",
    ),
    path(
        ".well-known/oauth-protected-resource",
        not_served("No protected-resource metadata (RFC 9728) is published here."),
        name="oauth-resource-metadata",
    ),
    path(
        ".well-known/oauth-protected-resource/<path:resource_path>",
        not_served("No protected-resource metadata (RFC 9728) is published here."),
        name="oauth-resource-metadata-path",
    ),
]

base_urlpatterns = [
    path("authorize/", not_served(NO_AUTHORIZATION), name="authorize"),
    path("token/", TokenView.as_view(), name="token"),
    path("revoke_token/", RevokeView.as_view(), name="revoke-token"),
    path("introspect/", IntrospectView.as_view(), name="introspect"),
    path("device-authorization/", not_served(NO_DEVICE), name="device-authorization"),
    path("device/", not_served(NO_DEVICE), name="device"),
    path("device-confirm/<slug:client_id>/<slug:user_code>", not_served(NO_DEVICE), name="device-confirm"),
    path("device-grant-status/<slug:client_id>/<slug:user_code>", not_served(NO_DEVICE), name="device-grant-status"),
]

# DOT's primary keys are not ours (flex_adopt_dot gives imported applications new ones), so
# every application page leads to the list, where the client ID finds it.
management_urlpatterns = [
    path("applications/", admin_page(APPLICATIONS, "applications"), name="list"),
    path("applications/register/", admin_page(APPLICATIONS, "applications"), name="register"),
    path("applications/<slug:pk>/", admin_page(APPLICATIONS, "applications"), name="detail"),
    path("applications/<slug:pk>/delete/", admin_page(APPLICATIONS, "applications"), name="delete"),
    path("applications/<slug:pk>/update/", admin_page(APPLICATIONS, "applications"), name="update"),
    path("authorized_tokens/", admin_page(SESSIONS, "sessions"), name="authorized-token-list"),
    path("authorized_tokens/<slug:pk>/delete/", admin_page(SESSIONS, "sessions"), name="authorized-token-delete"),
]

oidc_urlpatterns = [
    re_path(r"^\.well-known/openid-configuration/?$", not_served(NO_OIDC), name="oidc-connect-discovery-info"),
    path(".well-known/jwks.json", JWKSView.as_view(), name="jwks-info"),
    path("userinfo/", not_served(NO_OIDC), name="user-info"),
    path("logout/", not_served(NO_OIDC), name="rp-initiated-logout"),
]

dcr_urlpatterns = [
    path("register/", not_served(NO_REGISTRATION), name="dcr-register"),
    path("register/<str:client_id>/", not_served(NO_REGISTRATION), name="dcr-register-management"),
]

urlpatterns = metadata_urlpatterns + base_urlpatterns + management_urlpatterns + oidc_urlpatterns + dcr_urlpatterns
