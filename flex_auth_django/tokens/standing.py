"""Whether a signed access token still stands: its application's state and the revocations, from memory.

A signed token has no row. Each process holds every live revocation of signed tokens
(`ref` -> until when: a token's jti, a session `sid:<family>`, an opaque subject `a<pk>`),
loaded with one query on first use and kept complete through the shared change log
(state/sync.py): a check costs no round trip at all, a token nobody revoked included.
The application comes from state/applications.py the same way.

The database is the record of truth (SignedRevocation rows, Application rows): every
revocation writes its row first, then announces it (sync.publish), so this process
refuses the token at once and every other process within STATE_REFRESH_INTERVAL; a new
process starts from the rows. When the shared cache cannot be reached, each check asks
the database instead (fail closed).

Beyond REVOKED_TOKENS_CACHE_SIZE live revocations (a flood of revoked anonymous tokens),
a process stops holding them and checks each token in the shared cache as before this
memory existed: one `get_many` of the application's state and the token's markers,
refilled from the database when the cache lost them. Those markers and states are
written on every change for that reason.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.cache.backends.redis import RedisCache
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..db import instances
from ..models import Application, SignedRevocation
from ..protocol import client_ids
from ..settings import flex_settings
from ..state import applications as held_applications
from ..state import log, sync
from ..state.log import Change

logger = logging.getLogger("flex_auth_django")

# Seconds an application's state stays in the shared cache before it is read again from the database.
STATE_TTL = 300
_PREFIX = "flex:signed:"
# Every loaded field except the secret digest, which no token check needs (it loads, deferred, if read).
_FIELDS = tuple(f.attname for f in Application._meta.concrete_fields if f.attname not in ("client_secret_digest",))
REF = "ref"  # ("ref", ref, expiry timestamp)


def cache_alias() -> str:
    return log.cache_alias()


def _cache():
    return log._cache()


def _app_key(client_id: str) -> str:
    return f"{_PREFIX}app:{client_id}"


def _ref_key(ref: str) -> str:
    return f"{_PREFIX}rev:{ref}"


@dataclass(frozen=True)
class Standing:
    application: Application | None  # None: no such application
    revoked: bool  # one of the token's refs was revoked


class _Revoked:
    """Every live revocation of a signed token, by ref (sync.Holder)."""

    def __init__(self) -> None:
        self.refs: dict[str, float] = {}  # ref -> expiry (timestamp); announced ones land even before the load
        self.loaded = False
        self.too_many = False
        self.lock = threading.Lock()

    def apply(self, change: Change) -> None:
        if change[0] != REF:
            return
        with self.lock:
            if self.too_many:
                return
            _, ref, expires = change
            if expires > self.refs.get(ref, 0.0):
                self.refs[ref] = expires
            self._bound(timezone.now().timestamp())

    def forget(self) -> None:
        with self.lock:
            self.refs = {}
            self.loaded = False
            self.too_many = False

    def _bound(self, now: float) -> None:
        if len(self.refs) > flex_settings.REVOKED_TOKENS_CACHE_SIZE:
            self.refs = {ref: expires for ref, expires in self.refs.items() if expires > now}
            if len(self.refs) > flex_settings.REVOKED_TOKENS_CACHE_SIZE:
                self.refs, self.too_many = {}, True

    def _load(self) -> None:
        now = timezone.now()
        limit = flex_settings.REVOKED_TOKENS_CACHE_SIZE
        rows = SignedRevocation.objects.filter(expires__gt=now).order_by().values_list("ref", "expires")[: limit + 1]
        loaded = {ref: expires.timestamp() for ref, expires in rows}
        with self.lock:
            for ref, expires in loaded.items():
                if expires > self.refs.get(ref, 0.0):
                    self.refs[ref] = expires
            self.loaded = True
            self._bound(now.timestamp())

    def any_of(self, refs: Iterable[str]) -> bool | None:
        """Whether one of `refs` is revoked; None when this process does not hold them all (too many)."""
        if not self.loaded:
            self._load()
        if self.too_many:
            return None
        now = timezone.now().timestamp()
        found = self.refs
        return any(found.get(ref, 0.0) > now for ref in refs)

    def __len__(self) -> int:
        return len(self.refs)


_revoked = sync.register(_Revoked())


def standing(client_id: str, refs: list[str]) -> Standing:
    """The application of a signed token (by client ID) and whether any of `refs` was revoked.

    From memory (no query, no round trip) once this process holds the application; the
    database while the shared cache cannot be reached.
    """
    if not sync.fresh():
        return _from_database(client_id, refs)
    application = held_applications.find(client_id)
    if application is None:
        return Standing(None, False)
    revoked = _revoked.any_of(refs) if refs else False
    if revoked is None:
        return _from_shared_cache(client_id, refs)
    return Standing(application, revoked)


def sizes() -> dict[str, int]:
    """How much is held (for tests and the docs' memory bound)."""
    return {"revoked": len(_revoked), "overflow": int(_revoked.too_many)}


# -- the shared cache: checked per token only beyond REVOKED_TOKENS_CACHE_SIZE ---------------


def _state_of(application: Application) -> tuple:
    return tuple(getattr(application, name) for name in _FIELDS)


def _application(state: tuple) -> Application:
    return instances.from_values(Application, "default", _FIELDS, state)


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


def _from_shared_cache(client_id: str, refs: list[str]) -> Standing:
    """One cache round trip when the application's state is cached; otherwise (or when the
    cache is down) two queries that also refill the cache."""
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
    callbacks) for each operation; on this path that costs about as much as the round
    trip itself. The client is built once per cache instance (Django keeps one per
    thread) and reused; keys and values go through the cache's own key function and
    serializer, so what is read is exactly what get_many() would read. Other backends
    use get_many().
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
    if not refs:
        return Standing(application, False)
    revoked = SignedRevocation.objects.filter(ref__in=refs, expires__gt=timezone.now()).exists()
    return Standing(application, revoked)


# -- the writer's side ---------------------------------------------------------------------


def record(application_id: int, refs: dict[str, datetime]) -> None:
    """Revoke `refs` (ref -> when the last token it covers expires): a row each, then the
    announcement (every process) and the shared cache's markers. A ref revoked twice keeps
    the later expiry."""
    if not refs:
        return
    now = timezone.now()
    live = {ref: expires for ref, expires in refs.items() if expires > now}
    for ref, expires in live.items():
        try:
            with transaction.atomic():
                SignedRevocation.objects.create(ref=ref, application_id=application_id, expires=expires)
        except IntegrityError:
            SignedRevocation.objects.filter(ref=ref, expires__lt=expires).update(expires=expires)
    sync.publish(*((REF, ref, expires.timestamp()) for ref, expires in live.items()))
    _write_cache({_ref_key(ref): (1, _timeout(expires, now)) for ref, expires in live.items()})


def publish(application: Application) -> None:
    """The application changed (created, saved, deleted, deactivated, reactivated, all tokens
    revoked, a new secret): every process reads it again.

    The state is read again from the database (after the caller's write), never taken from
    `application`, which may have been loaded before another change.
    """
    held_applications.changed(application)
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
