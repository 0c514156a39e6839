"""`check --deploy`: the keys every digest and token successor is derived from are secret and strong.

A SECRET_KEY copied from a public place (an example site, a tutorial, Django's
`django-insecure-` placeholder) or a short typed phrase lets anyone who also holds one old
refresh token compute the session's later tokens, and match stored digests offline. The
same goes for FLEX_AUTH['DIGEST_KEYS'] set to the values the documentation shows.
"""

from __future__ import annotations

import math
from collections import Counter

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

# Keys that have been published: this project's old example default, its docs' placeholders.
PUBLIC_SECRET_KEYS = frozenset(
    {
        "example-project-insecure-key-change-me-in-production-0123456789",
        "stock-dot-bench-insecure-key-0123456789-abcdefghijklmnop",
        "change-me",
        "changeme",
    }
)
# Values FLEX_AUTH['DIGEST_KEYS'] shows in the README and the example settings.
DOCUMENTED_DIGEST_KEYS = frozenset({"new key", "old key"})
PUBLIC_PREFIXES = ("django-insecure-",)  # what startproject writes, meant for development only
MIN_BITS = 100  # a random 128-bit hex key estimates about 115


def estimated_bits(key: str) -> float:
    """Shannon estimate of a key's entropy: length times the bits per character it shows.

    A heuristic: it catches typed phrases, repeated patterns and short keys, not every weak key.
    A key that repeats a shorter block counts as that block.
    """
    if not key:
        return 0.0
    for period in range(1, len(key) // 2 + 1):
        if len(key) % period == 0 and key == key[:period] * (len(key) // period):
            key = key[:period]
            break
    counts = Counter(key)
    per_char = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    return per_char * len(key)


def weakness(key: object, public: frozenset[str]) -> str | None:
    """Why `key` must not be used, or None."""
    if not isinstance(key, str | bytes):
        return None  # not ours to judge; Django and FLEX_AUTH checks report wrong types
    text = key.decode(errors="replace") if isinstance(key, bytes) else key
    if text in public or text.strip().lower() in public:
        return "is a published value"
    if text.startswith(PUBLIC_PREFIXES):
        return "is Django's development placeholder (django-insecure-...)"
    if estimated_bits(text) < MIN_BITS:
        return f"has too little entropy (an estimated {estimated_bits(text):.0f} bits; at least {MIN_BITS} needed)"
    return None


GENERATE_HINT = "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"


@checks.register(checks.Tags.security, deploy=True)
def check_keys(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from ..settings import flex_settings

    messages: list[checks.CheckMessage] = []
    named = [("SECRET_KEY", getattr(settings, "SECRET_KEY", ""))]
    named += [(f"SECRET_KEY_FALLBACKS[{i}]", k) for i, k in enumerate(getattr(settings, "SECRET_KEY_FALLBACKS", []))]
    for name, key in named:
        reason = weakness(key, PUBLIC_SECRET_KEYS)
        if reason:
            messages.append(
                checks.Error(
                    f"{name} {reason}: token digests and refresh successors derived from it can be computed.",
                    hint=GENERATE_HINT,
                    id="flex_auth.E030",
                )
            )
    try:
        digest_keys = flex_settings.DIGEST_KEYS
    except ImproperlyConfigured:
        return messages  # reported as flex_auth.E004
    for key_id, key in digest_keys or []:
        reason = weakness(key, PUBLIC_SECRET_KEYS | DOCUMENTED_DIGEST_KEYS)
        if reason:
            messages.append(
                checks.Error(
                    f"FLEX_AUTH['DIGEST_KEYS'] key {key_id!r} {reason}.",
                    hint=GENERATE_HINT,
                    id="flex_auth.E031",
                )
            )
    return messages
