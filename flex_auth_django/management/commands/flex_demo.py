"""Ensure the demo applications and user exist and print working credentials (idempotent)."""

from __future__ import annotations

import json
import shlex

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ..demo import ensure_demo, ensure_demo_admin


class Command(BaseCommand):
    help = "Create or refresh demo applications and a demo user; prints their credentials."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--env", action="store_true", help='print shell exports (eval "$(... --env)")')
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="for the printed curl lines")
        parser.add_argument(
            "--marketplace-url",
            default=None,
            help="the demo Marketplace application's Marketplace URL, for Login as user (e.g. http://localhost:4000)",
        )

    def handle(self, *args, **options) -> None:
        try:
            creds = ensure_demo(marketplace_url=options["marketplace_url"])
        except ValueError as exc:
            raise CommandError(f"--marketplace-url: {exc}") from None
        if options["json"]:
            admin = ensure_demo_admin()
            self.stdout.write(
                json.dumps({**creds, "admin": {"username": admin["username"], "password": admin["password"]}})
            )
            return
        base = options["base_url"].rstrip("/")
        mp, integ, user = creds["marketplace"], creds["integration"], creds["user"]
        q = shlex.quote
        if options["env"]:
            for name, value in (
                ("MP_CLIENT_ID", mp["client_id"]),
                ("MP_CLIENT_SECRET", mp["client_secret"]),
                ("INTEG_CLIENT_ID", integ["client_id"]),
                ("INTEG_CLIENT_SECRET", integ["client_secret"]),
                ("DEMO_EMAIL", user["email"]),
                ("DEMO_PASSWORD", user["password"]),
            ):
                self.stdout.write(f"export {name}={q(value)}")
            return
        self.stdout.write(self.style.SUCCESS("Demo credentials (secrets are new on every run):"))
        self.stdout.write(f"  Marketplace app  client_id={mp['client_id']}  client_secret={mp['client_secret']}")
        self.stdout.write(f"  Integration app  client_id={integ['client_id']}  client_secret={integ['client_secret']}")
        self.stdout.write(f"  Marketplace user {user['email']} / {user['password']}")
        admin = ensure_demo_admin()
        self.stdout.write(f"  Admin (at {base}/admin/) {admin['email']} / {admin['password']}")
        self.stdout.write("")
        self.stdout.write("Try it:")
        lines = [
            ("Anonymous token", f"client_id={mp['client_id']}&grant_type=client_credentials&scope=public-read"),
            (
                "User login",
                f"client_id={mp['client_id']}&grant_type=password&username={user['email']}"
                f"&password={user['password']}&scope=user",
            ),
            (
                "Integration token",
                f"client_id={integ['client_id']}&client_secret={integ['client_secret']}"
                "&grant_type=client_credentials&scope=integ",
            ),
        ]
        for title, body in lines:
            self.stdout.write(f"  # {title}")
            self.stdout.write(f"  curl -s -X POST {base}/oauth/token -d {q(body)}")
        self.stdout.write("  # Refresh: -d 'client_id=...&grant_type=refresh_token&refresh_token=<refresh_token>'")
