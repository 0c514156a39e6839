"""Whether a signed access token still stands: its application's state and the revocations, from a shared cache.

A signed token has no row, so the per-request check reads one cache round trip
(`get_many`): the application's state (active, "revoke all" moment) and one marker per
thing the token may have been revoked through (its jti, its session, its subject). The
database is the record of truth (Application rows, SignedRevocation rows): an
application whose state is missing from the cache (first use, eviction, a flushed or
restarted cache) is reloaded from it together with all of its live revocations, so losing
the cache loses no revocation. When the cache cannot be reached, the check asks the
database directly.

Every revocation writes the database first, then the cache, so another worker or host
sees it on its next request. A per-process cache (LocMemCache) is only right for a single
process; the deploy check says so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import Application, SignedRevocation
from ..protocol import client_ids
from ..settings import flex_settings

logger = logging.getLogger("flex_auth_django")

# Seconds an application's state stays cached before it is read again from the database.
STATE_TTL = 300
_PREFIX = "flex:signed:"
# Every loaded field except the secret digest, which no token check needs (it loads, deferred, if read).
_FIELDS = tuple(f.attname for f in Application._meta.concrete_fields if f.attname not in ("client_secret_digest",))


def cache_alias() -> str:
    return flex_settings.REVOCATION_CACHE or flex_settings.THROTTLE_CACHE


def _cache():
    return caches[cache_alias()]


def _app_key(client_id: str) -> str:
    return f"{_PREFIX}app:{client_id}"


def _ref_key(ref: str) -> str:
    return f"{_PREFIX}rev:{ref}"


@dataclass(frozen=True)
class Standing:
    application: Application | None  # None: no such application
    revoked: bool  # one of the token's refs was revoked


def _state_of(application: Application) -> tuple:
    return tuple(getattr(application, name) for name in _FIELDS)


def _application(state: tuple) -> Application:
    return Application.from_db("default", list(_FIELDS), list(state))


def _timeout(expires: datetime, now: datetime) -> int:
    return max(1, int((expires - now).total_seconds()) + 1)


def _by_client_id(client_id: str) -> Application | None:
    """The application a token names: by UUID, or by the client ID an imported DOT application kept."""
    parsed = client_ids.client_uuid(client_id)
    if parsed is not None:
        lookup = {"client_id": parsed}
    else:
        legacy = client_ids.legacy_client_id(client_id)
        if legacy is None:
            return None
        lookup = {"legacy_client_id": legacy}
    return Application.objects.filter(**lookup).only(*_FIELDS).first()


def _reload(client_id: str, refs: Iterable[str]) -> Standing:
    """The application and its live revocations from the database, written back to the cache."""
    application = _by_client_id(client_id)
    if application is None:
        return Standing(None, False)
    now = timezone.now()
    live = dict(SignedRevocation.objects.filter(application=application, expires__gt=now).values_list("ref", "expires"))
    try:
        cache = _cache()
        for ref, expires in live.items():
            cache.set(_ref_key(ref), 1, _timeout(expires, now))
        # add(), not set(): a revocation that wrote a newer state meanwhile must not be overwritten.
        cache.add(_app_key(client_id), _state_of(application), STATE_TTL)
    except Exception as exc:  # noqa: BLE001 - any cache backend error; the answer came from the database
        logger.warning("revocation cache unavailable while refilling it: %s", type(exc).__name__)
    return Standing(application, any(ref in live for ref in refs))


def standing(client_id: str, refs: list[str]) -> Standing:
    """The application of a signed token (by client ID) and whether any of `refs` was revoked.

    One cache round trip when the application's state is cached; otherwise (or when the
    cache is down) two queries that also refill the cache.
    """
    keys = [_app_key(client_id), *(_ref_key(ref) for ref in refs)]
    try:
        found = _get_many(_cache(), keys)
    except Exception as exc:  # noqa: BLE001 - any cache backend error: the database answers instead
        logger.warning("revocation cache unavailable, checking the database: %s", type(exc).__name__)
        return _from_database(client_id, refs)
    state = found.get(keys[0])
    if not isinstance(state, tuple) or len(state) != len(_FIELDS):
        return _reload(client_id, refs)
    return Standing(_application(state), any(key in found for key in keys[1:]))


def _get_many(cache, keys: list[str]) -> dict[str, object]:
    """cache.get_many(keys), minus the cost Django's RedisCache adds to every call.

    Django's RedisCache builds a new redis.Redis client (and its table of response
    callbacks) for each operation; on this path, once per API request, that costs about
    as much as the round trip itself. The client is built once per cache instance
    (Django keeps one per thread) and reused; keys and values go through the cache's own
    key function and serializer, so what is read is exactly what get_many() would read.
    Other backends use get_many().
    """
    reader = cache.__dict__.get("_flex_redis_reader")
    if reader is None:
        reader = False
        if type(cache) is RedisCache:
            backend = cache._cache
            reader = (backend.get_client(None), backend._serializer)
        cache.__dict__["_flex_redis_reader"] = reader
    if not reader:
        return cache.get_many(keys)
    client, serializer = reader
    values = client.mget([cache.make_key(key) for key in keys])
    return {key: serializer.loads(value) for key, value in zip(keys, values, strict=True) if value is not None}


def _from_database(client_id: str, refs: list[str]) -> Standing:
    application = _by_client_id(client_id)
    if application is None:
        return Standing(None, False)
    revoked = SignedRevocation.objects.filter(ref__in=refs, expires__gt=timezone.now()).exists()
    return Standing(application, revoked)


def record(application_id: int, refs: dict[str, datetime]) -> None:
    """Revoke `refs` (ref -> when the last token it covers expires): a row each, then the cache.

    A ref revoked twice keeps the later expiry.
    """
    if not refs:
        return
    now = timezone.now()
    for ref, expires in refs.items():
        if expires <= now:
            continue
        try:
            with transaction.atomic():
                SignedRevocation.objects.create(ref=ref, application_id=application_id, expires=expires)
        except IntegrityError:
            SignedRevocation.objects.filter(ref=ref, expires__lt=expires).update(expires=expires)
    _write_cache({_ref_key(ref): (1, _timeout(expires, now)) for ref, expires in refs.items() if expires > now})


def publish(application: Application) -> None:
    """The application's state changed (deactivated, reactivated, all tokens revoked): tell every process.

    The state is read again from the database (after the caller's write), never taken from
    `application`, which may have been loaded before another change.
    """
    fresh = Application.objects.filter(pk=application.pk).only(*_FIELDS).first()
    if fresh is None:
        _delete_cache(_app_key(application.public_client_id))
        return
    _write_cache({_app_key(fresh.public_client_id): (_state_of(fresh), STATE_TTL)})


def _delete_cache(key: str) -> None:
    try:
        _cache().delete(key)
    except Exception as exc:  # noqa: BLE001 - any cache backend error
        logger.error("revocation cache unavailable while forgetting an application: %s", type(exc).__name__)


def _write_cache(entries: dict[str, tuple[object, int]]) -> None:
    try:
        cache = _cache()
        for key, (value, timeout) in entries.items():
            cache.set(key, value, timeout)
    except Exception as exc:  # noqa: BLE001 - any cache backend error
        # The database has it; processes read it there while the cache is down, and an
        # application state left stale in a cache that comes back expires within STATE_TTL.
        logger.error("revocation cache unavailable while recording a revocation: %s", type(exc).__name__)
