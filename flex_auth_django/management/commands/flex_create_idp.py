"""Create an identity provider for auth_with_idp (Console's "Identity provider client")."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...idp.providers import create_provider
from ...models import IdpKind


class Command(BaseCommand):
    help = "Create an identity provider (OpenID Connect, Google or Facebook) for sign-in with an IdP."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--idp-id", required=True, help="the idp_id the SDK sends, e.g. google")
        parser.add_argument("--kind", required=True, choices=IdpKind.values)
        parser.add_argument("--client-id", required=True, help="the client ID (Facebook: App ID) at the IdP")
        parser.add_argument("--trusted-client-id", action="append", default=[], help="another accepted audience")
        parser.add_argument("--issuer", default="", help="OpenID Connect: the issuer URL")
        parser.add_argument("--jwks-file", type=Path, help="a static JWKS (JSON) instead of fetching the keys")
        parser.add_argument("--app-secret", default="", help="Facebook: the app secret (stored encrypted)")
        parser.add_argument("--name", default="")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, **options) -> None:
        jwks = None
        if options["jwks_file"] is not None:
            try:
                jwks = json.loads(options["jwks_file"].read_text())
            except (OSError, ValueError) as exc:
                raise CommandError(f"--jwks-file: {exc}") from None
        try:
            provider = create_provider(
                idp_id=options["idp_id"],
                kind=options["kind"],
                client_id=options["client_id"],
                trusted_client_ids=options["trusted_client_id"],
                issuer=options["issuer"],
                jwks=jwks,
                app_secret=options["app_secret"],
                name=options["name"],
            )
        except ValidationError as exc:
            problems = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
            raise CommandError(problems) from None
        data = {
            "idp_id": provider.idp_id,
            "name": provider.name,
            "kind": provider.kind,
            "client_id": provider.client_id,
            "trusted_client_ids": provider.trusted_client_ids,
            "issuer": provider.issuer,
            "static_jwks": provider.jwks is not None,
            "has_app_secret": provider.has_app_secret,
        }
        if options["json"]:
            self.stdout.write(json.dumps(data))
            return
        self.stdout.write(f"Created identity provider {provider} ({provider.get_kind_display()})")
        for name, value in data.items():
            self.stdout.write(f"  {name}: {value}")
