"""System checks for signed access tokens: the keys, and the cache revocations travel through.

flex_auth.E040  a SIGNING_KEYS entry cannot be used (unreadable, not a private key, weak,
                a duplicate of another entry, or more than one active key)
flex_auth.W040  a kind is configured signed but no key is active: its tokens are issued opaque
flex_auth.W041  (deploy) no signing keys at all: every token is opaque and stored
flex_auth.W042  (deploy) the revocation cache is per process: revocations do not reach other workers
flex_auth.E041  REVOCATION_CACHE names no cache in CACHES
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

PER_PROCESS_CACHES = ("LocMemCache",)


def _signed_kinds() -> list[str]:
    from ..tokens import formats, kinds

    return [spec.kind for spec in kinds.KINDS if formats.configured_format(spec.kind) == "signed"]


@checks.register()
def check_signing_keys(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from ..settings import flex_settings
    from ..signing.keys import build

    try:
        entries = flex_settings.SIGNING_KEYS
        signed_kinds = _signed_kinds()
    except ImproperlyConfigured:
        return []  # reported by check_flex_settings
    ring = build(entries)
    messages: list[checks.CheckMessage] = [
        checks.Error(
            problem,
            hint="https://flex-auth-django.readthedocs.io/en/latest/guides/signed-tokens.html#signing-keys",
            id="flex_auth.E040",
        )
        for problem in ring.problems
    ]
    if signed_kinds and ring.active is None and entries:
        messages.append(
            checks.Warning(
                f"No active signing key: tokens of {', '.join(signed_kinds)} are issued opaque (and stored).",
                hint="Mark exactly one FLEX_AUTH['SIGNING_KEYS'] entry {'state': 'active'}.",
                id="flex_auth.W040",
            )
        )
    return messages


@checks.register(deploy=True)
def check_signing_deploy(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from ..settings import flex_settings

    try:
        entries = flex_settings.SIGNING_KEYS
        signed_kinds = _signed_kinds()
    except ImproperlyConfigured:
        return []
    if signed_kinds and not entries:
        return [
            checks.Warning(
                f"FLEX_AUTH['SIGNING_KEYS'] is not set: tokens of {', '.join(signed_kinds)} are issued opaque, "
                "so every anonymous visitor costs a database row.",
                hint="Generate a key with `manage.py flex_generate_signing_key --out PATH` and list it in "
                "FLEX_AUTH['SIGNING_KEYS'].",
                id="flex_auth.W041",
            )
        ]
    return []


@checks.register(checks.Tags.caches, deploy=True)
def check_revocation_cache(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from ..settings import flex_settings

    try:
        entries = flex_settings.SIGNING_KEYS
        alias = flex_settings.REVOCATION_CACHE or flex_settings.THROTTLE_CACHE
    except ImproperlyConfigured:
        return []
    if not entries:
        return []
    if alias not in settings.CACHES:
        return [checks.Error(f"The revocation cache {alias!r} is not in CACHES.", id="flex_auth.E041")]
    backend = settings.CACHES[alias].get("BACKEND", "")
    if any(backend.endswith(name) for name in PER_PROCESS_CACHES):
        return [
            checks.Warning(
                f"Signed-token revocations and application state travel through {alias!r} "
                f"({backend.rsplit('.', 1)[-1]}), which only this process sees: with several worker processes "
                "or hosts, a revoked signed token or a deactivated application keeps working in the others "
                "for up to 5 minutes.",
                hint="Point FLEX_AUTH['REVOCATION_CACHE'] (or THROTTLE_CACHE) at a shared cache such as Redis. "
                "A local-memory cache is right only for a single process.",
                id="flex_auth.W042",
            )
        ]
    return []
