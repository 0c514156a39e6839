"""The provider-document cache (discovery documents and JWKS): per process, shared through Django's cache.

Rules (spec: JWKS cache), and the outages they avoid:
- A document lives for its Cache-Control max-age, bounded to MIN_TTL..MAX_TTL (no-store,
  no-cache or no max-age: DEFAULT_TTL), so a provider cannot make us fetch per request or
  keep a key for ever.
- A forced refetch (an unknown `kid`) happens at most once per REFETCH_COOLDOWN per URL,
  across processes (a cache.add), so tokens with made-up kids cannot make us hammer the
  provider, while a key rotated just after a routine fetch is still picked up at once.
- When a fetch fails, the document already held keeps working (stale-if-error; unlike
  PyJWT's PyJWKClient, which drops its keys, pyjwt issue #1162) and the next attempt waits
  for the cooldown. Only with nothing held is the provider reported unreachable.
- One fetch at a time per URL in a process; nothing is fetched at import.
Tests replace `clock` to move time, and call `clear()` between tests.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import caches

from ..settings import flex_settings
from .fetch import ProviderUnreachable, get_json

logger = logging.getLogger("flex_auth_django.security")

MIN_TTL = 5 * 60
MAX_TTL = 24 * 3600
DEFAULT_TTL = 3600
REFETCH_COOLDOWN = 30
# With nothing held, a failed fetch is not retried for this long: during an outage each
# request answers 503 at once instead of waiting for its own timeout.
FAILURE_BACKOFF = 5
SHARED_TIMEOUT = 7 * 24 * 3600  # how long the shared copy is kept for stale-if-error in other processes
KEY_PREFIX = "flex-auth:idp-doc"

clock: Callable[[], float] = time.time

_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


def ttl_from(cache_control: str) -> int:
    """Seconds to keep a document, from its Cache-Control header, bounded."""
    value = (cache_control or "").lower()
    if "no-store" in value or "no-cache" in value:
        return MIN_TTL
    match = _MAX_AGE.search(value)
    if match is None:
        return DEFAULT_TTL
    return max(MIN_TTL, min(MAX_TTL, int(match.group(1))))


@dataclass
class Document:
    body: Any
    fetched: float
    expires: float
    derived: dict[str, Any] = field(default_factory=dict)  # parsed forms (keys by kid), memoised per fetch

    def fresh(self, now: float) -> bool:
        return now < self.expires


class DocumentCache:
    def __init__(self) -> None:
        self._documents: dict[str, Document] = {}
        self._forced: dict[str, float] = {}  # url -> when this process last refetched it for an unknown kid
        self._failed: dict[str, float] = {}  # url -> when its last fetch failed
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self.fetches = 0  # outbound fetches made by this process (for tests and the bench)

    def clear(self) -> None:
        with self._guard:
            self._documents.clear()
            self._forced.clear()
            self._failed.clear()
            self.fetches = 0

    def get(self, url: str, *, refresh: bool = False) -> Document:
        """The document at `url`: cached if fresh; `refresh` asks for a refetch (subject to the cooldown).

        Raises ProviderUnreachable only when the fetch fails and no copy is held anywhere.
        """
        now = clock()
        held = self._documents.get(url)
        if held is not None and held.fresh(now) and not refresh:
            return held
        shared = self._shared_get(url)
        if shared is not None and (held is None or shared.fetched > held.fetched):
            held = self._documents[url] = shared
            if held.fresh(now) and not refresh:
                return held
        if held is not None and not self._may_fetch(url, now, forced=refresh):
            return held
        failed = self._failed.get(url)
        if held is None and failed is not None and now - failed < FAILURE_BACKOFF:
            raise ProviderUnreachable("failed moments ago")
        with self._lock(url):
            current = self._documents.get(url)
            if current is not None and held is not None and current.fetched > held.fetched:
                return current  # fetched by another thread while this one waited
            try:
                document = self._fetch(url)
            except ProviderUnreachable as exc:
                self._failed[url] = clock()
                logger.warning("event=idp_fetch_failed url_tag=%s error=%s stale=%s", _tag(url), exc, held is not None)
                if held is None:
                    raise
                return held
            self._documents[url] = document
            self._failed.pop(url, None)
            self._shared_set(url, document)
            return document

    # -- internals ---------------------------------------------------------------------
    def _lock(self, url: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(url, threading.Lock())

    def _may_fetch(self, url: str, now: float, *, forced: bool) -> bool:
        """Whether to refetch a document already held (expired, or `forced` by an unknown kid).

        After a failed fetch, the stale copy is served for REFETCH_COOLDOWN before trying
        again. A forced refetch happens at most once per REFETCH_COOLDOWN per URL, in this
        process and (through the cache) in all.
        """
        failed = self._failed.get(url)
        if failed is not None and now - failed < REFETCH_COOLDOWN:
            return False
        if not forced:
            return True
        last = self._forced.get(url)
        if last is not None and now - last < REFETCH_COOLDOWN:
            return False
        try:
            cache = caches[flex_settings.IDP_CACHE]
            key = f"{KEY_PREFIX}:cooldown:{_tag(url)}"
            if not cache.add(key, now, timeout=REFETCH_COOLDOWN):
                other = cache.get(key)
                if isinstance(other, int | float) and now - other < REFETCH_COOLDOWN:
                    return False
                cache.set(key, now, timeout=REFETCH_COOLDOWN)
        except Exception as exc:  # noqa: BLE001 - any cache backend error; the process-local cooldown still holds
            logger.warning("event=idp_cache_unavailable error=%s", type(exc).__name__)
        self._forced[url] = now
        return True

    def _fetch(self, url: str) -> Document:
        self.fetches += 1
        answer = get_json(url)
        if answer.status != 200 or not isinstance(answer.body, dict):
            raise ProviderUnreachable(f"HTTP {answer.status}")
        now = clock()
        return Document(answer.body, now, now + ttl_from(answer.cache_control))

    def _shared_get(self, url: str) -> Document | None:
        try:
            value = caches[flex_settings.IDP_CACHE].get(f"{KEY_PREFIX}:{_tag(url)}")
        except Exception as exc:  # noqa: BLE001 - any cache backend error: this process fetches for itself
            logger.warning("event=idp_cache_unavailable error=%s", type(exc).__name__)
            return None
        if not isinstance(value, dict) or not isinstance(value.get("body"), dict):
            return None
        try:
            return Document(value["body"], float(value["fetched"]), float(value["expires"]))
        except (KeyError, TypeError, ValueError):
            return None

    def _shared_set(self, url: str, document: Document) -> None:
        value = {"body": document.body, "fetched": document.fetched, "expires": document.expires}
        try:
            caches[flex_settings.IDP_CACHE].set(f"{KEY_PREFIX}:{_tag(url)}", value, timeout=SHARED_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - any cache backend error
            logger.warning("event=idp_cache_unavailable error=%s", type(exc).__name__)


def _tag(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:24]


# One cache per process, shared by every request (and thread) of it.
document_cache = DocumentCache()
