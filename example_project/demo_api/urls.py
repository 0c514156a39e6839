"""Routes of the demo API, at the paths the Sharetribe SDKs call under their baseUrl."""

from django.urls import path

from . import views

urlpatterns = [
    path("v1/api/marketplace/show", views.MarketplaceShow.as_view(), name="marketplace-show"),
    path("v1/api/current_user/show", views.CurrentUserShow.as_view(), name="current-user-show"),
    path(
        "v1/api/current_user/create_with_idp",
        views.CurrentUserCreateWithIdp.as_view(),
        name="current-user-create-with-idp",
    ),
    path("v1/api/demo/privileged", views.DemoPrivileged.as_view(), name="demo-privileged"),
    path(
        "v1/integration_api/marketplace/show",
        views.IntegrationMarketplaceShow.as_view(),
        name="integration-marketplace-show",
    ),
]
