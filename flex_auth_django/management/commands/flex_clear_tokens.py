"""Delete expired and revoked tokens in batches (run from cron; safe under traffic)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from ...tokens.cleanup import clear_dead_tokens


class Command(BaseCommand):
    help = (
        "Delete expired and revoked access and refresh tokens, and usage aggregates older than "
        "USAGE_RETENTION_DAYS, in small batches."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=5000, help="rows per transaction (default 5000)")
        parser.add_argument("--pause", type=float, default=0.0, help="seconds to sleep between batches")
        parser.add_argument("--dry-run", action="store_true", help="only count what would be deleted")

    def handle(self, *args, **options) -> None:
        if options["batch_size"] < 1:
            self.stderr.write("--batch-size must be at least 1")
            raise SystemExit(2)
        verbose = options["verbosity"] >= 2
        result = clear_dead_tokens(
            batch_size=options["batch_size"],
            pause=options["pause"],
            dry_run=options["dry_run"],
            progress=(lambda label, n: self.stdout.write(f"  {label}: {n}")) if verbose else None,
        )
        verb = "Would delete" if options["dry_run"] else "Deleted"
        parts = ", ".join(f"{n} {label}" for label, n in result.deleted.items())
        self.stdout.write(f"{verb} {parts} ({result.total} rows, {result.batches} batches).")
