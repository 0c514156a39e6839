"""The endpoints, to include under any prefix: path("oauth/", include("flex_auth_django.urls"))."""

from django.urls import re_path

from .views import AuthWithIdpView, IntrospectView, JWKSView, OpenAPIView, RevokeView, TokenView

app_name = "flex_auth"

urlpatterns = [
    re_path(r"^token/?$", TokenView.as_view(), name="token"),
    re_path(r"^revoke/?$", RevokeView.as_view(), name="revoke"),
    re_path(r"^introspect/?$", IntrospectView.as_view(), name="introspect"),
    re_path(r"^auth_with_idp/?$", AuthWithIdpView.as_view(), name="auth_with_idp"),
    re_path(r"^jwks\.json$", JWKSView.as_view(), name="jwks"),
    re_path(r"^openapi\.json$", OpenAPIView.as_view(), name="openapi"),
]
