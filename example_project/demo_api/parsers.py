"""DRF parsers for the demo API: Transit (what the official Sharetribe SDKs send) and JSON.

Both answer a body nested deeper than Python recurses with 400, never a 500: DRF's own
JSONParser lets RecursionError through.
"""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser

from . import transit

TOO_DEEP = "The body is nested too deeply."


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None


class TransitParser(BaseParser):
    media_type = "application/transit+json"

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = transit.loads(stream.read())
        except transit.TransitError as exc:
            raise ParseError(f"Malformed Transit body: {exc}") from None
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if not isinstance(data, dict):
            raise ParseError("The Transit body must be a map.")
        return data
