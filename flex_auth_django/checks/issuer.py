"""`check --deploy`: the issuer every client and resource server is told."""

from __future__ import annotations

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register(deploy=True)
def check_issuer(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy`: without ISSUER the issuer (metadata and tokens) follows the request's Host header."""
    from ..settings import flex_settings

    try:
        issuer = flex_settings.ISSUER
    except ImproperlyConfigured:
        return []  # reported by check_flex_settings
    if issuer is None:
        return [
            checks.Error(
                "FLEX_AUTH['ISSUER'] is not set: the metadata's issuer and endpoint URLs and the `iss` and `aud` "
                "of signed tokens then follow the request's Host header (development only).",
                hint="Set FLEX_AUTH['ISSUER'] to the site's public https origin, e.g. 'https://auth.example.com'.",
                id="flex_auth.E014",
            )
        ]
    if not issuer.startswith("https://"):
        return [checks.Warning("FLEX_AUTH['ISSUER'] is not an https URL.", id="flex_auth.W011")]
    return []
