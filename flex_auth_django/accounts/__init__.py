"""Which accounts a sign-in name resolves to, before its password is checked: the keys its throttle counts on.

Spec (Throttling): the per-account counters count on the account the username resolves
to, or, when there is none, on the username folded exactly as the user lookup folds it;
where several backends sign people in (email and username on the admin's form), on the
account any of them resolves the name to, so a username and its account's email share
one counter. Keying on anything else (Python's lower(), say, where the database compares
UPPER(), or one backend's notion where two sign people in) gives each spelling that
signs in as the user its own budget of guesses.

Every configured backend that signs in by name resolves it: the user its lookup finds
when it finds exactly one. The keys are those users; a name that no backend resolves to
a user counts on the name as the lookups fold it (per character upper case on
PostgreSQL, ASCII upper case on SQLite, as `email__iexact` compares). A backend says how
it looks names up with `account_lookup(name) -> Lookup | None` (EmailBackend: the email,
case-insensitively). Django's ModelBackend (and subclasses that keep its authenticate())
signs in by USERNAME_FIELD exactly, but is resolved here case-insensitively, with the
same fold: a coarser key only makes more spellings share a counter, and with one fold
for every backend an unknown name's spellings share a key exactly when they would share
one if the account existed, so the throttle cannot tell existing accounts from unknown
ones. All lookups run as one query, before any hash; during `authenticate()`
EmailBackend finds its result through `current()` instead of querying again. (With
ModelBackend alone there is nothing to agree on: its fold is the key, without a query.) A backend
of any other kind is not resolved: names only it knows count on the others' keys.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.contrib.auth import get_backends, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connections, router
from django.db.models import BooleanField, Case, Q, Value, When

# A lookup reads up to two users (two: the name is ambiguous for that backend).
PER_LOOKUP = 2


@dataclass(frozen=True)
class Lookup:
    """One backend's notion of a name: the users its authenticate() would check, and the name as it folds it."""

    where: Q  # a filter on the user model
    folded: str  # spellings with the same fold find the same users
    reused: bool = False  # the backend's authenticate() takes its rows from current(): resolving costs it nothing


@dataclass(frozen=True)
class Account:
    """A name resolved: `keys` for the throttle (one per distinct account or fold), `found` per backend."""

    username: str
    keys: tuple[str, ...]
    found: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The first key (a single one whenever every backend agrees)."""
        return self.keys[0]

    @property
    def users(self) -> tuple[Any, ...]:
        """The distinct users some backend resolves the name to (exactly one match each)."""
        seen: dict[Any, Any] = {}
        for matches in self.found.values():
            if len(matches) == 1:
                seen.setdefault(matches[0].pk, matches[0])
        return tuple(seen.values())

    def matches(self, backend: Any) -> tuple[Any, ...] | None:
        """What `backend`'s lookup found for this name, or None when it was not resolved here."""
        return self.found.get(backend_path(backend))


def backend_path(backend: Any) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def simple_upper(value: str) -> str:
    """Upper case one character at a time, as PostgreSQL's UPPER() does ("ß" stays, "ı" becomes "I")."""
    return "".join(upper if len(upper := c.upper()) == 1 else c for c in value)


def fold_like_lookup(value: str, vendor: str) -> str:
    """`value` folded as the database folds it in `__iexact`, so equal folds are what that lookup equates.

    PostgreSQL (and Oracle, MySQL) compare UPPER(x) = UPPER(%s), which maps single
    characters ("ı" and "ſ" to "I" and "S", not the Kelvin sign or full-width letters);
    SQLite's LIKE folds ASCII letters only.
    """
    if vendor == "sqlite":
        return value.translate(_ASCII_UPPER)
    return simple_upper(value)


def folded(name: str) -> str:
    User = get_user_model()
    return fold_like_lookup(name, connections[router.db_for_read(User)].vendor)


def _username_lookup(name: str) -> Lookup:
    """ModelBackend's notion of a name, for the key: USERNAME_FIELD, case-insensitively (module docstring)."""
    return Lookup(Q(**{f"{get_user_model().USERNAME_FIELD}__iexact": name}), folded(name))


def lookup_for(backend: Any, name: str) -> Lookup | None:
    """How `backend` looks `name` up, or None when it does not sign in by name (or not this one)."""
    own = getattr(backend, "account_lookup", None)
    if own is not None:
        return own(name)
    if isinstance(backend, ModelBackend) and type(backend).authenticate is ModelBackend.authenticate:
        return _username_lookup(name)
    return None


def _run(lookups: dict[str, Lookup]) -> dict[str, tuple[Any, ...]]:
    """Each lookup's users, from one query: the filters OR-ed, each row flagged with the lookups it matches."""
    User = get_user_model()
    flags = {f"_flex_by_{i}": lookup.where for i, lookup in enumerate(lookups.values())}
    annotations = {
        flag: Case(When(where, then=Value(True)), default=Value(False), output_field=BooleanField())
        for flag, where in flags.items()
    }
    limit = PER_LOOKUP * len(lookups) + 1
    rows = list(User._default_manager.filter(reduce(or_, flags.values())).annotate(**annotations)[:limit])
    if len(rows) == limit:  # some lookup matched more than it reads, and may have crowded another out
        return {path: tuple(User._default_manager.filter(q.where)[:PER_LOOKUP]) for path, q in lookups.items()}
    by_flag = zip(lookups, flags, strict=True)
    return {path: tuple(row for row in rows if getattr(row, flag))[:PER_LOOKUP] for path, flag in by_flag}


def resolve(username: str) -> Account:
    """The accounts `username` signs in as, by every configured backend that signs in by name (one query)."""
    lookups: dict[str, Lookup] = {}
    for backend in get_backends():
        path = backend_path(backend)
        if path not in lookups and (lookup := lookup_for(backend, username)) is not None:
            lookups[path] = lookup
    if not lookups:
        return Account(username, (f"name:{username}",))
    if len(lookups) == 1 and not (only := next(iter(lookups.values()))).reused:
        # One backend, whose lookup equates exactly the spellings its fold does: nobody to agree with,
        # so the fold is the key and no query runs (ModelBackend alone looks its user up itself).
        return Account(username, (f"name:{only.folded}",))
    found = _run(lookups)
    users = Account(username, (), found).users
    if users:
        keys = tuple(f"user:{user.pk}" for user in users)
    else:  # no single account: the name as the lookups fold it (they fold alike: one key)
        keys = tuple(dict.fromkeys(f"name:{lookup.folded}" for lookup in lookups.values()))
    return Account(username, keys, found)


_resolved: ContextVar[Account | None] = ContextVar("flex_auth_resolved_account", default=None)


@contextmanager
def resolved(account: Account) -> Iterator[None]:
    """While authenticate() runs: the account already resolved, so the backend need not look it up again."""
    token = _resolved.set(account)
    try:
        yield
    finally:
        _resolved.reset(token)


def current(username: str) -> Account | None:
    """The account resolved for exactly this username in the enclosing `resolved()` block, if any."""
    account = _resolved.get()
    return account if account is not None and account.username == username else None
