"""Generate a signing key for signed access tokens: a PEM private key, and the entry to list it with."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...signing.keys import ALGORITHMS, MIN_RSA_BITS, generate_pem, load_key


class Command(BaseCommand):
    help = (
        "Generate a private key for signed access tokens (ES256 by default). With --out the key goes to a "
        "new file readable only by its owner; otherwise the PEM is printed (for a secret store)."
    )

    # It makes the key the checks ask for (flex_auth.E040 while FLEX_SIGNING_KEY_FILE names no file yet).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--alg", choices=ALGORITHMS, default="ES256")
        parser.add_argument("--bits", type=int, default=3072, help=f"RSA key size (RS256), >= {MIN_RSA_BITS}")
        parser.add_argument("--out", help="write the key to this new file (mode 0600) instead of printing it")
        parser.add_argument(
            "--state", choices=("active", "next"), default="next", help="the state the printed settings entry names"
        )

    def handle(self, *args, alg: str, bits: int, out: str | None, state: str, **options) -> None:
        if alg == "RS256" and bits < MIN_RSA_BITS:
            raise CommandError(f"--bits must be at least {MIN_RSA_BITS}.")
        pem = generate_pem(alg, bits)
        kid = load_key({"pem": pem}).kid
        if out is None:
            self.stdout.write(pem, ending="")
            self.stderr.write(f"kid {kid}: store this PEM as a secret and list it with the state {state!r}.")
            return
        path = Path(out)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise CommandError(f"{path} exists; not overwriting a key.") from None
        except OSError as exc:
            raise CommandError(f"cannot create {path}: {exc.strerror}") from None
        with os.fdopen(fd, "w") as handle:
            handle.write(pem)
        self.stdout.write(f"Wrote a {alg} key (kid {kid}) to {path}. Add it to FLEX_AUTH['SIGNING_KEYS']:")
        self.stdout.write(f'    {{"state": "{state}", "file": "{path}"}}')
        if state == "next":
            self.stdout.write(
                "Publish it as 'next' for at least JWKS_MAX_AGE seconds before making it 'active' (and the old "
                "one 'retired' until its last token has expired)."
            )
