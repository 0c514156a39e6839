"""The console endpoints (Login as user), to include under the prefix the marketplace knows as its
console URL: path("flex-console/", include("flex_auth_django.console_urls")) serves
`/flex-console/api/authorize-as`, so SERVER_SHARETRIBE_CONSOLE_URL=<site>/flex-console works."""

from django.urls import path

from .console.authorize_as import AuthorizeAsView

app_name = "flex_console"

urlpatterns = [
    path("api/authorize-as", AuthorizeAsView.as_view(), name="authorize-as"),
]
