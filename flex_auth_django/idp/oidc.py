"""ID-token verification for OpenID Connect providers and Google, with PyJWT.

Spec (Identity-provider login, Verification): RS256 only, whatever the token's header
says (never `none`, never an HMAC: a public key used as an HMAC secret is the classic
algorithm-confusion forgery); the key chosen by `kid` from the provider's JWKS; `iss`
exactly the issuer; `aud` among the client ID and trusted IDs, and `azp` one of ours
when `aud` has several; `exp`, `nbf` and `iat` (at most IDP_TOKEN_MAX_AGE old) with
IDP_CLOCK_LEEWAY seconds of leeway. No nonce: `auth_with_idp` carries none to compare.
"""

from __future__ import annotations

import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from django.core.exceptions import ValidationError
from jwt.algorithms import RSAAlgorithm

from ..settings import flex_settings
from .documents import Document, document_cache
from .fetch import ProviderUnreachable
from .identity import Identity, TokenRejected, claimed_true, clean_email, short_text
from .models import IdentityProvider, IdpKind, check_provider_url

ALGORITHM = "RS256"
MIN_RSA_BITS = 2048
MAX_HEADER_CHARS = 2048  # base64url of a header; real ones are under 200
WRONG_TYPE = object()  # a JWK under the token's kid that is not an RSA signing key


def jwk_key(jwk: Any) -> RSAPublicKey | object:
    """The RSA public key of a JWK, or WRONG_TYPE (EC, oct, encryption key, another alg, too small)."""
    if not isinstance(jwk, dict) or jwk.get("kty") != "RSA":
        return WRONG_TYPE
    if jwk.get("use") not in (None, "sig") or jwk.get("alg") not in (None, ALGORITHM):
        return WRONG_TYPE
    try:
        key = RSAAlgorithm.from_jwk(jwk)
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        return WRONG_TYPE
    if isinstance(key, RSAPrivateKey):
        key = key.public_key()
    if not isinstance(key, RSAPublicKey) or key.key_size < MIN_RSA_BITS:
        return WRONG_TYPE
    return key


def parse_jwks(body: Any) -> dict[str, Any]:
    """kid -> key (or WRONG_TYPE); a key without a kid is listed under ""."""
    keys: dict[str, Any] = {}
    entries = body.get("keys") if isinstance(body, dict) else None
    for jwk in entries if isinstance(entries, list) else []:
        if not isinstance(jwk, dict):
            continue
        kid = jwk.get("kid", "")
        if isinstance(kid, str) and kid not in keys:
            keys[kid] = jwk_key(jwk)
    return keys


def _keys_of(document: Document) -> dict[str, Any]:
    if "keys" not in document.derived:
        document.derived["keys"] = parse_jwks(document.body)
    return document.derived["keys"]


def _pick(keys: dict[str, Any], kid: str | None) -> Any:
    """The key for `kid`; None when unknown. A token without a kid may use a JWKS of exactly one key."""
    if kid is None:
        usable = [k for k in keys.values() if k is not WRONG_TYPE]
        return usable[0] if len(keys) == 1 and usable else WRONG_TYPE
    return keys.get(kid)


def discovered_jwks_uri(issuer: str) -> str:
    """The `jwks_uri` of the issuer's discovery document (cached like the keys)."""
    document = document_cache.get(issuer.rstrip("/") + "/.well-known/openid-configuration")
    body = document.body
    if body.get("issuer") != issuer:
        raise ProviderUnreachable("discovery names another issuer")
    uri = body.get("jwks_uri")
    try:
        check_provider_url(uri if isinstance(uri, str) else "", "jwks_uri")
    except ValidationError:
        raise ProviderUnreachable("discovery has no usable jwks_uri") from None
    return uri


def jwks_uri(provider: IdentityProvider) -> str:
    if provider.kind == IdpKind.GOOGLE:
        return flex_settings.IDP_GOOGLE_JWKS_URI
    return discovered_jwks_uri(provider.issuer)


def issuers(provider: IdentityProvider) -> list[str]:
    if provider.kind == IdpKind.GOOGLE:
        return list(flex_settings.IDP_GOOGLE_ISSUERS)
    return [provider.issuer]


def signing_key(provider: IdentityProvider, kid: str | None) -> RSAPublicKey:
    """The key for `kid`: from the static JWKS, or the cached one, refetched once (cooldown) if unknown."""
    if provider.jwks is not None:
        key = _pick(parse_jwks(provider.jwks), kid)
    else:
        url = jwks_uri(provider)
        key = _pick(_keys_of(document_cache.get(url)), kid)
        if key is None:  # a rotated key we have not seen yet, or a made-up kid
            key = _pick(_keys_of(document_cache.get(url, refresh=True)), kid)
    if key is None:
        raise TokenRejected("unknown_kid")
    if key is WRONG_TYPE:
        raise TokenRejected("key_type")
    return key


def unverified_header(token: str) -> dict[str, Any]:
    if token.count(".") != 2 or len(token.split(".", 1)[0]) > MAX_HEADER_CHARS:
        raise TokenRejected("malformed")
    try:
        header = jwt.get_unverified_header(token)
    except (jwt.PyJWTError, ValueError, TypeError):
        raise TokenRejected("malformed") from None
    if not isinstance(header, dict):
        raise TokenRejected("malformed")
    return header


def unverified_subject(token: str) -> str | None:
    """The `sub` a token claims, before any check: only to key the throttle on the account it names."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except (jwt.PyJWTError, ValueError, TypeError):
        return None
    sub = claims.get("sub") if isinstance(claims, dict) else None
    return sub if isinstance(sub, str) and sub else None


def verify_id_token(provider: IdentityProvider, token: str) -> Identity:
    """The account an ID token proves; raises TokenRejected, or ProviderUnreachable with no keys held."""
    header = unverified_header(token)
    if header.get("alg") != ALGORITHM:
        raise TokenRejected("algorithm")  # before any key lookup: `none` or HS256 never cost a fetch
    if str(header.get("typ", "JWT")).lower() in ("at+jwt", "application/at+jwt"):
        raise TokenRejected("typ")  # an access token is not an ID token (RFC 9068 section 4)
    kid = header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise TokenRejected("malformed")
    key = signing_key(provider, kid)
    leeway = flex_settings.IDP_CLOCK_LEEWAY
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=issuers(provider),
            leeway=leeway,
            options={"require": ["iss", "sub", "aud", "exp", "iat"], "verify_aud": False},
        )
    except jwt.PyJWTError as exc:
        raise TokenRejected(type(exc).__name__) from None
    _check_audience(provider, claims)
    iat = claims["iat"]
    if not isinstance(iat, int | float) or time.time() - iat > flex_settings.IDP_TOKEN_MAX_AGE + leeway:
        raise TokenRejected("too_old")
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise TokenRejected("subject")
    email = clean_email(claims.get("email"))
    return Identity(
        subject=subject,
        email=email,
        email_verified=email is not None and claimed_true(claims.get("email_verified")),
        first_name=short_text(claims.get("given_name")),
        last_name=short_text(claims.get("family_name")),
    )


def _check_audience(provider: IdentityProvider, claims: dict[str, Any]) -> None:
    aud = claims["aud"]
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or not audiences or not all(isinstance(a, str) for a in audiences):
        raise TokenRejected("audience")
    ours = set(provider.client_ids)
    if not ours.intersection(audiences):
        raise TokenRejected("audience")
    # OIDC Core 3.1.3.7 (4, 5): with several audiences, the authorized party must be one of ours.
    if len(audiences) > 1 and claims.get("azp") not in ours:
        raise TokenRejected("azp")
