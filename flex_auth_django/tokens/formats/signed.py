"""Signed access tokens (RFC 9068 JWTs): minted without a database write, verified without a query.

Header `typ: at+jwt`, `alg` of the active key (ES256 or RS256) and its `kid`. Claims:
`iss` (the metadata's issuer, tokens/issuer.py), `aud` (per API type), `sub` (the user's id, or the client ID
when there is no user), `client_id`, `iat`, `exp`, `jti`, `scope`, and `sid` (the
session) for tokens of a session. Verification checks the signature with the key the
`kid` names, then `typ`, `iss`, `aud`, `exp` and `iat`, and only then asks standing.py
whether the application is active and nothing the token belongs to was revoked.

A trusted-user token's `jti` names its subject too (`<own>.<subject>`), so revoking the
subject revokes what was exchanged from it; other parties treat the `jti` as opaque.
"""

from __future__ import annotations

import json
import math
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

import jwt
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from ...crypto import b64url_decode, b64url_encode
from ...models import Application, TokenKind
from ...protocol import client_ids
from ...protocol.http import compact_json
from ...settings import flex_settings, on_reload
from ...signing.keys import keyring
from .. import issuer as issuers
from .. import kinds, scopes, standing
from ..kinds import SIGNED

TYP = "at+jwt"
TYPES = (TYP, "application/at+jwt")  # RFC 9068 section 2.1 allows either
REQUIRED = ("iss", "exp", "aud", "sub", "client_id", "iat", "jti")
# Tolerated clock difference between the host that signed and the one that verifies.
CLOCK_SKEW = 60
# Larger strings are not ours (an RS256 token with the longest scope is ~900 characters).
MAX_LENGTH = 4096


def issuer() -> str:
    """The `iss` of a token signed now (tokens/issuer.py: the metadata's issuer, always)."""
    return issuers.current()


def audience(api_type: str, iss: str | None = None) -> str:
    """The `aud` for `api_type`: the configured one, or `<issuer>/<api type>-api` of the token's issuer."""
    configured = flex_settings.ACCESS_TOKEN_AUDIENCES.get(api_type)
    return configured or f"{iss or issuer()}/{api_type}-api"


_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")  # base64url, unpadded
_ALGORITHMS = {name: jwt.algorithms.get_default_algorithms()[name] for name in ("ES256", "RS256")}


def looks_signed(raw: str | None) -> bool:
    """A JWS compact serialization: three base64url parts (never one of our opaque tokens)."""
    return bool(raw) and len(raw) <= MAX_LENGTH and raw.count(".") == 2 and raw.startswith("eyJ")


def available() -> bool:
    """Whether tokens can be signed in this process: one active key."""
    return keyring().active is not None


def verifiable() -> bool:
    """Whether any signed token could verify here: with no key published, none can (nothing to revoke)."""
    return bool(keyring().keys)


def _jti() -> str:
    return b64url_encode(secrets.token_bytes(16))


@dataclass(eq=False)  # compared and hashed by identity, as unsaved model instances are
class SignedAccessToken:
    """A verified signed access token, with the attributes the README documents for AccessToken
    rows (kind, scope, scopes, application, user, expires, created, family), so request.auth,
    the permissions and introspection treat both formats alike."""

    claims: dict[str, Any]
    application: Application
    kind: str
    user_id: Any
    format: str = field(default=SIGNED, init=False)
    revoked: None = field(default=None, init=False)  # a revoked one is never handed out
    pk: None = field(default=None, init=False)  # no row
    subject_id: None = field(default=None, init=False)

    @property
    def jti(self) -> str:
        return self.claims["jti"]

    @property
    def scope(self) -> str:
        return self.claims.get("scope", "")

    @property
    def scopes(self) -> list[str]:
        return self.scope.split()

    @property
    def application_id(self) -> int:
        return self.application.pk

    @property
    def family(self) -> uuid.UUID | None:
        sid = self.claims.get("sid")
        return uuid.UUID(sid) if sid else None

    @property
    def acted_by_id(self) -> Any:
        """Login as user: the staff member acting (the `act` claim, RFC 8693 section 4.1), or None."""
        act = self.claims.get("act")
        return act.get("sub") if isinstance(act, dict) else None

    @property
    def created(self) -> datetime:
        return datetime.fromtimestamp(self.claims["iat"], tz=UTC)

    @property
    def expires(self) -> datetime:
        return datetime.fromtimestamp(self.claims["exp"], tz=UTC)

    @cached_property
    def user(self):
        """The token's user (one query, only for tokens that have one), or None."""
        if self.user_id is None:
            return None
        return get_user_model()._default_manager.filter(pk=self.user_id).first()

    def revocation_refs(self) -> list[str]:
        return revocation_refs(self.claims)

    def is_expired(self) -> bool:
        return timezone.now() >= self.expires

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        if now >= self.expires or not self.application.is_active:
            return False
        if self.user_id is None:
            return True
        return self.user is not None and self.user.is_active

    def allow_scopes(self, scopes) -> bool:
        """As AccessToken.allow_scopes: implied scopes and FLEX_AUTH['LEGACY_SCOPES']."""
        return kinds.allows(self, scopes)

    def is_valid(self, scopes=None) -> bool:
        return self.is_live() and self.allow_scopes(scopes)

    def __str__(self) -> str:
        return f"SignedAccessToken {self.jti[:8]}…"


def revocation_refs(claims: dict[str, Any]) -> list[str]:
    """What revoking would mark for this token: its jti (and subject) parts, its session."""
    refs = [part for part in str(claims.get("jti", "")).split(".") if part]
    if claims.get("sid"):
        refs.append(f"sid:{claims['sid']}")
    return refs


def subject_ref(subject) -> str:
    """How an exchanged token names its subject in its jti: the subject's own jti, or its row."""
    if getattr(subject, "format", None) == SIGNED:
        return subject.jti.split(".")[0]
    return f"a{subject.pk}"


def mint(
    application: Application,
    *,
    kind: str,
    scope: str,
    user=None,
    family: uuid.UUID | None = None,
    now: datetime | None = None,
    not_after: datetime | None = None,
    subject=None,
    acted_by=None,
) -> tuple[str, SignedAccessToken]:
    """A signed access token and its SignedAccessToken, with nothing written anywhere."""
    key = keyring().active
    if key is None:
        raise RuntimeError("no active signing key")  # formats.for_kind() never asks for one then
    now = now or timezone.now()
    lifetime = timedelta(seconds=kinds.lifetime(kinds.kind(kind)))
    # Rounded up to the second, so expires_in reads the whole lifetime; never past a cap (a subject's expiry).
    exp = math.ceil((now + lifetime).timestamp())
    if not_after is not None:
        exp = min(exp, int(not_after.timestamp()))
    client_id = application.public_client_id  # the ID the client authenticates with (RFC 9068 section 2.2)
    jti = _jti() if subject is None else f"{_jti()}.{subject_ref(subject)}"
    claims: dict[str, Any] = {
        "iss": issuer(),
        "sub": str(user.pk) if user is not None else client_id,
        "aud": audience(application.api_type),
        "client_id": client_id,
        "iat": int(now.timestamp()),
        "exp": exp,
        "jti": jti,
        "scope": scope,
    }
    if family is not None:
        claims["sid"] = str(family)
    if acted_by is not None:
        claims["act"] = {"sub": str(acted_by.pk)}  # RFC 8693 section 4.1: who acts as `sub`
    raw = _encode(key, claims)
    token = SignedAccessToken(claims, application, kind, user.pk if user is not None else None)
    if user is not None:
        token.__dict__["user"] = user
    return raw, token


_headers: dict[str, str] = {}


def _encode(key, claims: dict[str, Any]) -> str:
    """The JWS compact serialization of `claims` signed by `key` (RFC 7515 section 7.1).

    The header is the same for every token a key signs, so its encoding is built once per
    key; PyJWT's algorithm for the key signs (and turns ECDSA's DER into the raw r || s JWS uses).
    """
    header = _headers.get(key.kid)
    if header is None:
        header = _headers[key.kid] = b64url_encode(
            json.dumps({"alg": key.alg, "kid": key.kid, "typ": TYP}, separators=(",", ":")).encode()
        )
    signing_input = f"{header}.{b64url_encode(compact_json(claims).encode())}"
    signature = _ALGORITHMS[key.alg].sign(signing_input.encode(), key.private_key)
    return f"{signing_input}.{b64url_encode(signature)}"


def _json_object(segment: str) -> dict[str, Any] | None:
    try:
        value = json.loads(b64url_decode(segment))
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def verify(raw: str | None, *, verify_exp: bool = True) -> dict[str, Any] | None:
    """The claims of a token we signed, if its signature, typ, iss, aud and times check out; else None.

    The algorithm is the one of the key the `kid` names, never the header's say-so: `alg: none`
    and HMAC signed with a public key are refused because they are not that algorithm. The
    times are checked on every call; what does not change for a given string (signature,
    header, issuer, audience, claim types) is remembered per process for the strings that
    passed, so a client presenting the same token on every API call pays the signature check once.
    """
    if not looks_signed(raw):
        return None
    claims = _verified.get(raw)
    if claims is None:
        claims = _verify_static(raw)
        if claims is None:
            return None
        if len(_verified) >= VERIFIED_CACHE_SIZE:
            _verified.clear()  # crude but lock-free: refilled by the next requests
        _verified[raw] = claims
    iat, exp, now = claims["iat"], claims["exp"], timezone.now().timestamp()
    if iat > now + CLOCK_SKEW or (verify_exp and exp <= now):
        return None
    if "nbf" in claims and claims["nbf"] > now + CLOCK_SKEW:
        return None
    return dict(claims)


# Verified tokens remembered per process (verify()); dropped whenever FLEX_AUTH changes.
VERIFIED_CACHE_SIZE = 10_000
_verified: dict[str, dict[str, Any]] = {}


@on_reload
def _forget_verified() -> None:
    _verified.clear()
    _headers.clear()


def _verify_static(raw: str) -> dict[str, Any] | None:
    """Signature, header and the claims that do not depend on the time (see verify()).

    The signature is checked by PyJWT's algorithm for the key (cryptography underneath)
    before the payload is even decoded; the compact form is parsed here, with one C-speed
    pattern match per segment, as PyJWT's decode() spends most of a verification checking
    the base64 alphabet in Python, character by character.
    """
    parts = raw.split(".")
    if not all(_SEGMENT.fullmatch(part) for part in parts):
        return None
    header = _json_object(parts[0])
    if header is None:
        return None
    key = keyring().verifying(header.get("kid"))
    if key is None or header.get("alg") != key.alg or header.get("typ") not in TYPES or "crit" in header:
        return None
    try:
        signature = b64url_decode(parts[2])
        if not _ALGORITHMS[key.alg].verify(f"{parts[0]}.{parts[1]}".encode(), key.public_key, signature):
            return None
    except (ValueError, TypeError):
        return None
    claims = _json_object(parts[1])
    if claims is None or any(name not in claims for name in REQUIRED):
        return None
    if not issuers.accepts(claims["iss"]) or claims["aud"] not in _audiences(claims["iss"]):
        return None
    if not (_number(claims["iat"]) and _number(claims["exp"])) or claims["exp"] <= claims["iat"]:
        return None
    if "nbf" in claims and not _number(claims["nbf"]):
        return None
    if not all(isinstance(claims[name], str) for name in ("sub", "client_id", "jti")):
        return None
    if client_ids.canonical_client_id(claims["client_id"]) != claims["client_id"]:
        return None  # we sign canonical client IDs only
    if not isinstance(claims.get("scope", ""), str):
        return None
    return claims


def _audiences(iss: str) -> list[str]:
    return [audience(api_type, iss) for api_type in kinds.api_types()]


def _kind_of(claims: dict[str, Any], application: Application) -> str | None:
    """The kind a token is, from what it says and whose it is: a Login-as token says who acts
    (`act`); every other kind carries exactly one scope, with or without a user."""
    has_user = claims["sub"] != claims["client_id"]
    if "act" in claims:
        spec = kinds.kind(TokenKind.LOGIN_AS)
        ok = has_user and spec.api_type == application.api_type and claims.get("scope") == kinds.issued_scope(spec)
        return spec.kind if ok else None
    for spec in kinds.KINDS:
        if spec.kind == TokenKind.LOGIN_AS:
            continue
        if spec.api_type == application.api_type and spec.scope == claims.get("scope"):
            needs_user = bool(scopes.scope(spec.scope) and scopes.scope(spec.scope).needs_user)
            if needs_user == has_user:
                return spec.kind
    return None


def live(raw: str | None) -> SignedAccessToken | None:
    """The signed token `raw` if it may be used right now: verified, its application active and
    nothing it belongs to revoked (from this process's memory: no round trip); else None."""
    claims = verify(raw)
    if claims is None:
        return None
    token = _standing_token(claims)
    return token if token is not None and token.is_live() else None


def _standing_token(claims: dict[str, Any]) -> SignedAccessToken | None:
    refs = revocation_refs(claims)
    found = standing.standing(claims["client_id"], refs)
    application = found.application
    if application is None or found.revoked or claims["aud"] != audience(application.api_type, claims["iss"]):
        return None
    not_before = application.tokens_not_before
    if not_before is not None and claims["iat"] <= not_before.timestamp():
        return None  # "revoke all tokens" (tokens of the very same second go with them)
    kind = _kind_of(claims, application)
    if kind is None:
        return None
    has_user, user_id = _user_id(claims)
    if has_user and user_id is None:
        return None
    return SignedAccessToken(claims, application, kind, user_id)


def _user_id(claims: dict[str, Any]) -> tuple[bool, Any]:
    """(whether the token names a user, that user's primary key or None if `sub` is not one)."""
    if claims["sub"] == claims["client_id"]:
        return False, None
    try:
        return True, get_user_model()._meta.pk.to_python(claims["sub"])
    except ValidationError:
        return True, None


def owned_token(raw: str | None) -> SignedAccessToken | None:
    """A signed token for revocation: verified (expired or not) and of a known application."""
    claims = verify(raw, verify_exp=False)
    if claims is None:
        return None
    application = standing.standing(claims["client_id"], []).application
    if application is None or claims["aud"] != audience(application.api_type, claims["iss"]):
        return None
    kind = _kind_of(claims, application)
    if kind is None:
        return None
    return SignedAccessToken(claims, application, kind, _user_id(claims)[1])


class SignedFormat:
    """formats.base.AccessTokenFormat for signed tokens: minted and verified in process, revoked by record."""

    name = SIGNED
    stored = False

    def owns(self, raw: str | None) -> bool:
        return looks_signed(raw)

    def issue(
        self, application, *, kind, scope, user, family, now, not_after=None, subject=None, acted_by=None, seed=None
    ):
        # `seed` is for formats that can answer with the same token twice; a signed one never is.
        return mint(
            application,
            kind=kind,
            scope=scope,
            user=user,
            family=family,
            now=now,
            not_after=not_after,
            subject=subject,
            acted_by=acted_by,
        )

    def live(self, raw: str | None, *, lock: bool = False) -> SignedAccessToken | None:
        return live(raw)  # no row to lock: a revocation landing later still reaches it by its refs

    def owned(self, raw: str | None) -> SignedAccessToken | None:
        return owned_token(raw)

    def revoke(self, token: SignedAccessToken, now: datetime) -> int:
        """Its jti until it expires (what was exchanged from it names that jti too)."""
        if token.expires <= now:
            return 0
        standing.record(token.application_id, {token.jti.split(".")[0]: token.expires})
        return 1

    def replay(self, seed: str, key_index: int):
        return None  # nothing stored to answer again with: the caller mints a fresh token
