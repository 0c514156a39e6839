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


# -- reading: what the SDKs send as request bodies (`Content-Type: application/transit+json`) --
_CACHE_DIGITS = 44
_CACHE_BASE = 48


class TransitError(ValueError):
    """The body is not Transit JSON this reader understands."""


def _cache_code(index: int) -> str:
    high, low = divmod(index, _CACHE_DIGITS)
    return "^" + (chr(high + _CACHE_BASE) if high else "") + chr(low + _CACHE_BASE)


class _Reader:
    """Transit JSON (cached or verbose) to Python: keywords and symbols become plain strings,
    UUIDs strings, instants datetimes; tags this demo does not know are refused."""

    def __init__(self) -> None:
        self.cache: dict[str, Any] = {}

    def _remember(self, raw: str, value: Any, as_key: bool) -> None:
        # Transit caches map keys and keywords/symbols/tags longer than 3 characters.
        if len(raw) > 3 and (as_key or raw[:2] in ("~:", "~$", "~#")):
            self.cache[_cache_code(len(self.cache))] = value

    def string(self, raw: str, as_key: bool = False) -> Any:
        if raw.startswith("^") and raw != "^ ":
            if raw not in self.cache:
                raise TransitError("unknown cache reference")
            return self.cache[raw]
        value = self._scalar(raw)
        self._remember(raw, value, as_key)
        return value

    def _scalar(self, raw: str) -> Any:
        if not raw.startswith("~") or len(raw) < 2:
            return raw
        tag, rest = raw[1], raw[2:]
        if tag in "~^`":
            return raw[1:]
        if tag in ":$":
            return rest
        if tag == "_":
            return None
        if tag == "?":
            return rest == "t"
        if tag in "in":
            return int(rest)
        if tag in "df":
            return float(rest) if tag == "d" else Decimal(rest)
        if tag == "u":
            return str(uuid.UUID(rest))
        if tag == "m":
            return datetime.fromtimestamp(int(rest) / 1000, tz=UTC)
        if tag == "t":
            return datetime.fromisoformat(rest.replace("Z", "+00:00"))
        if tag == "#":
            return raw  # a tag name, read by `value()` from its array
        raise TransitError(f"unsupported Transit tag ~{tag}")

    def value(self, node: Any, as_key: bool = False) -> Any:
        if isinstance(node, str):
            return self.string(node, as_key)
        if isinstance(node, dict):  # verbose maps
            return {self.value(k, True): self.value(v) for k, v in node.items()}
        if isinstance(node, list):
            if node and node[0] == "^ ":
                items = node[1:]
                if len(items) % 2:
                    raise TransitError("a map needs key/value pairs")
                out = {}
                for key, item in zip(items[::2], items[1::2], strict=True):
                    out[self.value(key, True)] = self.value(item)
                return out
            if len(node) == 2 and isinstance(node[0], str):
                head = self.string(node[0]) if node[0].startswith(("~#", "^")) else None
                if isinstance(head, str) and head.startswith("~#"):
                    return self._tagged(head[2:], node[1])
            return [self.value(item) for item in node]
        if node is None or isinstance(node, bool | int | float):
            return node
        raise TransitError("unexpected JSON value")

    def _tagged(self, tag: str, body: Any) -> Any:
        if tag == "'":
            return self.value(body)
        if tag in ("list", "set"):
            return [self.value(item) for item in body] if isinstance(body, list) else []
        if tag == "cmap" and isinstance(body, list) and len(body) % 2 == 0:
            return {self.value(body[i], True): self.value(body[i + 1]) for i in range(0, len(body), 2)}
        raise TransitError(f"unsupported Transit tag #{tag}")


def loads(text: str | bytes) -> Any:
    """The value of a Transit JSON text; raises TransitError (a ValueError) for anything else."""
    try:
        node = json.loads(text)
        return _Reader().value(node)
    except TransitError:
        raise
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise TransitError(str(exc)) from None
