"""DRF renderer for Transit, the format the official Sharetribe SDKs ask for."""

from __future__ import annotations

from rest_framework.renderers import BaseRenderer

from . import transit


class TransitRenderer(BaseRenderer):
    media_type = "application/transit+json"
    format = "transit"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        request = (renderer_context or {}).get("request")
        # The SDKs' `transitVerbose: true` config sends this header.
        verbose = request is not None and request.headers.get("X-Transit-Verbose", "").lower() == "true"
        return transit.dumps(data, verbose=verbose).encode("utf-8")
