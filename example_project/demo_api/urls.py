"""Routes of the demo API (the resource endpoints arrive with the DRF classes)."""

urlpatterns: list = []
