"""The provider service: create identity providers (flex_create_idp, tools), with the kind's rules."""

from __future__ import annotations

from typing import Any

from .models import IdentityProvider, IdpKind

DEFAULT_NAMES = {IdpKind.GOOGLE: "Google", IdpKind.FACEBOOK: "Facebook"}


def create_provider(
    *,
    idp_id: str,
    kind: str,
    client_id: str,
    trusted_client_ids: list[str] | None = None,
    issuer: str = "",
    jwks: dict[str, Any] | None = None,
    app_secret: str = "",
    name: str = "",
) -> IdentityProvider:
    """Validate (model.full_clean: raises ValidationError) and save a new provider.

    Google needs no issuer or keys: its issuers and JWKS URL are settings.
    """
    provider = IdentityProvider(
        idp_id=idp_id,
        name=name or DEFAULT_NAMES.get(kind, idp_id),
        kind=kind,
        client_id=client_id,
        trusted_client_ids=list(trusted_client_ids or []),
        issuer=issuer,
        jwks=jwks,
    )
    provider.set_app_secret(app_secret)
    provider.full_clean()
    provider.save()
    return provider
