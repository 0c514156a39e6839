"""Create an API application and print its client ID and secret (shown this once only)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...applications import clean_marketplace_url, create_application
from ...models import ApiType


class Command(BaseCommand):
    help = "Create an API application; prints its client secret once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--api-type", required=True, choices=ApiType.values)
        parser.add_argument(
            "--marketplace-url",
            default="",
            help="Marketplace applications: the marketplace's origin, for Login as user (https://..., "
            "http only for localhost)",
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args, name: str, api_type: str, **options) -> None:
        try:
            marketplace_url = clean_marketplace_url(api_type, options["marketplace_url"])
        except ValueError as exc:
            raise CommandError(f"--marketplace-url: {exc}") from None
        try:
            application, secret = create_application(name, api_type, marketplace_url=marketplace_url)
        except ValueError as exc:
            raise CommandError(f"--name: {exc}.") from None
        data = {
            "client_id": str(application.client_id),
            "client_secret": secret,
            "name": application.name,
            "api_type": application.api_type,
        }
        if application.marketplace_url:  # only when asked for: the documented object stays as it was
            data["marketplace_url"] = application.marketplace_url
        if options["json"]:
            self.stdout.write(json.dumps(data))
            return
        self.stdout.write(f"Created {application} ")
        self.stdout.write(f"  client_id:     {data['client_id']}")
        self.stdout.write(f"  client_secret: {secret}")
        if application.marketplace_url:
            self.stdout.write(f"  marketplace_url: {application.marketplace_url}")
        self.stdout.write(self.style.WARNING("  The client secret is not stored and will not be shown again."))
