"""A small Transit (application/transit+json) writer: what the official Sharetribe SDKs read.

The SDKs send `Accept: application/transit+json` on every API call and decode only Transit
(anything else reaches the caller as an undecoded string), so the demo API answers Transit
when asked and JSON otherwise. This writes the shapes the demo returns: maps with keyword
keys, arrays, strings, keywords, numbers, booleans, null, UUIDs, instants and decimals.
It never emits cache references (`^0`), which Transit readers do not require.
Spec: https://github.com/cognitect/transit-format
"""

from __future__ import annotations

import json
import math
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

_MAX_SAFE_INT = 2**53 - 1  # larger integers lose precision in JavaScript, so Transit tags them


class Keyword(str):
    """A value to write as a Transit keyword (`~:name`), e.g. a resource's `type`; JSON sees a plain string."""


def _string(value: str) -> str:
    # A leading ~ ^ or ` would be read as a tag, a cache reference or reserved (spec: Escaping).
    return "~" + value if value[:1] in ("~", "^", "`") else value


def _instant(value: datetime, verbose: bool) -> str:
    value = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if verbose:
        return "~t" + value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return "~m" + str(int(value.timestamp() * 1000))


def _encode(value: Any, verbose: bool) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Keyword):
        return "~:" + value
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, int):
        return value if abs(value) <= _MAX_SAFE_INT else "~i" + str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "~zNaN"
        if math.isinf(value):
            return "~zINF" if value > 0 else "~z-INF"
        return value
    if isinstance(value, Decimal):
        return "~f" + str(value)
    if isinstance(value, uuid.UUID):
        return "~u" + str(value)
    if isinstance(value, datetime):
        return _instant(value, verbose)
    if isinstance(value, dict):
        pairs = [("~:" + _key(key), _encode(item, verbose)) for key, item in value.items()]
        return dict(pairs) if verbose else ["^ ", *(part for pair in pairs for part in pair)]
    if isinstance(value, list | tuple):
        return [_encode(item, verbose) for item in value]
    raise TypeError(f"Cannot write {type(value).__name__} as Transit")


def _key(key: Any) -> str:
    if not isinstance(key, str):
        raise TypeError("Transit map keys here are keywords, so they must be strings")
    return key


def dumps(value: dict[str, Any], *, verbose: bool = False) -> str:
    """The Transit JSON text of a map (`verbose`: JSON objects for maps, ISO instants)."""
    if not isinstance(value, dict):
        raise TypeError("The top level must be a map")  # scalars would need the quote tag
    return json.dumps(_encode(value, verbose), separators=(",", ":"), ensure_ascii=False, allow_nan=False)
