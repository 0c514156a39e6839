"""A site that mounted one of DOT's views on its own path (check flex_auth.E015 names it too)."""

from django.urls import path
from oauth2_provider.views import TokenView

urlpatterns = [path("auth/token/", TokenView.as_view())]
