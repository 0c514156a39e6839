"""DRF parser for Transit request bodies, the format the official Sharetribe SDKs send."""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from . import transit


class TransitParser(BaseParser):
    media_type = "application/transit+json"

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = transit.loads(stream.read())
        except transit.TransitError as exc:
            raise ParseError(f"Malformed Transit body: {exc}") from None
        if not isinstance(data, dict):
            raise ParseError("The Transit body must be a map.")
        return data
