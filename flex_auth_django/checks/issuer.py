"""`check --deploy`: the issuer every client and resource server is told."""

from __future__ import annotations

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register(deploy=True)
def check_issuer(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy`: without ISSUER the metadata is built from the request's Host header."""
    from ..settings import flex_settings

    try:
        issuer = flex_settings.ISSUER
    except ImproperlyConfigured:
        return []  # reported by check_flex_settings
    if issuer is None:
        return [
            checks.Warning(
                "FLEX_AUTH['ISSUER'] is not set: the RFC 8414 metadata takes its issuer and endpoint URLs from "
                "the request's Host header.",
                hint="Set FLEX_AUTH['ISSUER'] to the site's public https origin, e.g. 'https://auth.example.com'.",
                id="flex_auth.W011",
            )
        ]
    if not issuer.startswith("https://"):
        return [checks.Warning("FLEX_AUTH['ISSUER'] is not an https URL.", id="flex_auth.W011")]
    return []
