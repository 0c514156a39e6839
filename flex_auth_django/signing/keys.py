"""Signing keys for signed access tokens: loaded and parsed once per process, never per request.

FLEX_AUTH['SIGNING_KEYS'] is a list of entries, each a private key in PEM from exactly one
source and its state:

    {"state": "active", "file": "/etc/flex/signing-2026-12.pem"}
    {"state": "next", "env": "FLEX_SIGNING_KEY_NEXT"}
    {"state": "retired", "pem": "-----BEGIN PRIVATE KEY-----..."}

One key is "active" (it signs); "next" keys are published in the JWKS before they sign, so
resource servers already know them when they do; "retired" keys are published until the
last token they signed has expired. Every key's `kid` is its RFC 7638 thumbprint, so the
same key always has the same id, wherever it is loaded. EC P-256 keys sign ES256 (the
default), RSA keys (>= 2048 bits) RS256.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ..crypto import b64url_encode
from ..settings import flex_settings, on_reload

ACTIVE, NEXT, RETIRED = "active", "next", "retired"
STATES = (ACTIVE, NEXT, RETIRED)
SOURCES = ("pem", "file", "env")
ALGORITHMS = ("ES256", "RS256")
MIN_RSA_BITS = 2048


class UnusableKey(ValueError):
    """A SIGNING_KEYS entry that cannot be used; the message names the entry, never the key."""


def _b64(number: int) -> str:
    return b64url_encode(number.to_bytes((number.bit_length() + 7) // 8 or 1, "big"))


def _b64_fixed(number: int, size: int) -> str:
    return b64url_encode(number.to_bytes(size, "big"))


def public_jwk(public_key: Any) -> dict[str, str]:
    """The RFC 7517 members of a public key (without kid/alg/use)."""
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        numbers = public_key.public_numbers()
        return {"kty": "EC", "crv": "P-256", "x": _b64_fixed(numbers.x, 32), "y": _b64_fixed(numbers.y, 32)}
    numbers = public_key.public_numbers()
    return {"kty": "RSA", "n": _b64(numbers.n), "e": _b64(numbers.e)}


def thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638: SHA-256 of the required members, lexicographically ordered, no whitespace."""
    required = ("crv", "kty", "x", "y") if jwk["kty"] == "EC" else ("e", "kty", "n")
    canonical = json.dumps({name: jwk[name] for name in required}, separators=(",", ":"), sort_keys=True)
    return b64url_encode(hashlib.sha256(canonical.encode()).digest())


@dataclass(frozen=True)
class SigningKey:
    kid: str
    alg: str
    state: str
    private_key: Any = field(repr=False)
    public_key: Any = field(repr=False)
    bits: int = 0

    def jwk(self) -> dict[str, str]:
        return {**public_jwk(self.public_key), "kid": self.kid, "alg": self.alg, "use": "sig"}


def _pem_of(entry: dict[str, Any], where: str) -> bytes:
    sources = [name for name in SOURCES if name in entry]
    if len(sources) != 1:
        raise UnusableKey(f"{where} needs exactly one of 'pem', 'file' or 'env'.")
    source = sources[0]
    if source == "pem":
        value = entry["pem"]
    elif source == "file":
        try:
            value = Path(entry["file"]).read_bytes()
        except OSError as exc:
            raise UnusableKey(f"{where}: cannot read the key file ({exc.strerror}).") from None
    else:
        value = os.environ.get(str(entry["env"]))
        if not value:
            raise UnusableKey(f"{where}: the environment variable {entry['env']!r} is not set.")
    return value.encode() if isinstance(value, str) else value


def load_key(entry: Any, where: str = "signing key") -> SigningKey:
    """Parse one SIGNING_KEYS entry; raises UnusableKey with a message fit for a system check."""
    if not isinstance(entry, dict):
        raise UnusableKey(f"{where} must be a dict with 'state' and one of 'pem', 'file' or 'env'.")
    state = entry.get("state", ACTIVE)
    if state not in STATES:
        raise UnusableKey(f"{where}: state must be one of {', '.join(STATES)}, not {state!r}.")
    unknown = set(entry) - {"state", *SOURCES}
    if unknown:
        raise UnusableKey(f"{where}: unknown members {', '.join(sorted(unknown))}.")
    data = _pem_of(entry, where)
    try:
        private_key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise UnusableKey(f"{where} is not an unencrypted PEM private key.") from None
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        if not isinstance(private_key.curve, ec.SECP256R1):
            raise UnusableKey(f"{where}: EC keys must be on P-256 (ES256), not {private_key.curve.name}.")
        alg, bits = "ES256", 256
    elif isinstance(private_key, rsa.RSAPrivateKey):
        alg, bits = "RS256", private_key.key_size
        if bits < MIN_RSA_BITS:
            raise UnusableKey(f"{where}: RSA keys must have at least {MIN_RSA_BITS} bits, not {bits}.")
    else:
        raise UnusableKey(f"{where}: only EC P-256 (ES256) and RSA (RS256) keys are supported.")
    public_key = private_key.public_key()
    kid = thumbprint(public_jwk(public_key))
    return SigningKey(kid=kid, alg=alg, state=state, private_key=private_key, public_key=public_key, bits=bits)


class Keyring:
    """The parsed keys: the one that signs, every published one by kid, the JWKS document."""

    def __init__(self, keys: tuple[SigningKey, ...], problems: tuple[str, ...]) -> None:
        self.keys = keys
        self.problems = problems
        self._by_kid = {key.kid: key for key in keys}
        active = [key for key in keys if key.state == ACTIVE]
        # None when there is none, or several (an error the checks report).
        self.active: SigningKey | None = active[0] if len(active) == 1 else None
        self._jwks = {"keys": [key.jwk() for key in keys]}

    def verifying(self, kid: object) -> SigningKey | None:
        """A published key by `kid`: active, next or retired (a next key may sign on another host first)."""
        return self._by_kid.get(kid) if isinstance(kid, str) else None

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return self._jwks


def build(entries: Any) -> Keyring:
    """Parse every entry; the usable keys, and what is wrong with the rest (for the checks)."""
    keys: list[SigningKey] = []
    problems: list[str] = []
    if entries is None:
        return Keyring((), ())
    for index, entry in enumerate(entries):
        try:
            key = load_key(entry, f"FLEX_AUTH['SIGNING_KEYS'][{index}]")
        except UnusableKey as exc:
            problems.append(str(exc))
            continue
        if any(other.kid == key.kid for other in keys):
            problems.append(f"FLEX_AUTH['SIGNING_KEYS'][{index}] is the same key as an earlier entry (kid {key.kid}).")
            continue
        keys.append(key)
    if sum(1 for key in keys if key.state == ACTIVE) > 1:
        problems.append("FLEX_AUTH['SIGNING_KEYS'] has more than one active key: exactly one signs.")
    return Keyring(tuple(keys), tuple(problems))


_keyring: Keyring | None = None


def keyring() -> Keyring:
    """The process's keys, parsed on first use and again only when FLEX_AUTH changes."""
    global _keyring
    if _keyring is None:
        _keyring = build(flex_settings.SIGNING_KEYS)
    return _keyring


@on_reload
def _drop() -> None:
    global _keyring
    _keyring = None


def generate_pem(alg: str = "ES256", bits: int = 3072) -> str:
    """A new private key in PKCS#8 PEM, for `flex_generate_signing_key` and the example site."""
    if alg == "ES256":
        private_key = ec.generate_private_key(ec.SECP256R1())
    elif alg == "RS256":
        if bits < MIN_RSA_BITS:
            raise ValueError(f"RSA keys need at least {MIN_RSA_BITS} bits")
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    else:
        raise ValueError(f"alg must be one of {', '.join(ALGORITHMS)}")
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
