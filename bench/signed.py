"""Signed access tokens in-process: rows written per anonymous token, and sign / verify cost per token.

    python -m bench.signed rows --count 100000     # on the flex bench database (bench/run.py does this)
    python -m bench.signed crypto --operations 2000

`rows` issues COUNT anonymous tokens through the token view itself (the grant, client
lookup, signing and rendering; no HTTP server) and counts what reached the database: rows
added to the token tables, and every INSERT, UPDATE or DELETE statement sent. `crypto`
times signed.mint() and signed.verify() alone for an ES256 and an RS256 (3072-bit) key,
in microseconds per token. Each prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from urllib.parse import urlencode

import django


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.flex_site.settings")
    django.setup()


def rows(count: int) -> dict:
    from django.db import connection
    from django.test import RequestFactory

    from flex_auth_django.applications import create_application
    from flex_auth_django.models import AccessToken, RefreshToken, SignedRevocation
    from flex_auth_django.views import TokenView

    application, _ = create_application("bench anonymous rows", "marketplace")
    body = urlencode({"grant_type": "client_credentials", "client_id": str(application.client_id)})
    factory, view = RequestFactory(), TokenView.as_view()
    tables = (AccessToken, RefreshToken, SignedRevocation)
    before = {model.__name__: model.objects.count() for model in tables}
    writes: list[str] = []

    def count_writes(execute, sql, params, many, context):
        words = sql.split(None, 3)
        verb = words[0].upper() if words else ""
        if verb in ("INSERT", "UPDATE", "DELETE"):
            writes.append(f"{verb} {words[1] if verb == 'UPDATE' else words[2]}")
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with connection.execute_wrapper(count_writes):
        for _ in range(count):
            request = factory.post("/oauth/token", body, content_type="application/x-www-form-urlencoded")
            response = view(request)
            if response.status_code != 200:
                raise SystemExit(f"token request answered {response.status_code}: {response.content[:200]!r}")
    seconds = time.perf_counter() - started
    after = {model.__name__: model.objects.count() for model in tables}
    added = {name: after[name] - before[name] for name in after}
    application.delete()
    return {
        "issued": count,
        "seconds": round(seconds, 2),
        "tokens_per_second": round(count / seconds, 1),
        "token_rows_written": sum(added.values()),
        "rows_added": added,
        "write_statements": len(writes),
        "write_statement_targets": sorted(set(writes)),
        "signed": json.loads(response.content)["access_token"].count(".") == 2,
    }


def _per_op_us(operation, operations: int, rounds: int = 5) -> dict:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter_ns()
        for _ in range(operations):
            operation()
        samples.append((time.perf_counter_ns() - started) / operations / 1000)
    return {"median_us": round(statistics.median(samples), 1), "min_us": round(min(samples), 1)}


def crypto(operations: int) -> dict:
    from django.test import override_settings

    from flex_auth_django.applications import create_application
    from flex_auth_django.models import TokenKind
    from flex_auth_django.settings import flex_settings
    from flex_auth_django.signing.keys import generate_pem
    from flex_auth_django.tokens.formats import signed

    application, _ = create_application("bench signing", "marketplace")
    results = {}
    try:
        for alg, pem in (("ES256", generate_pem("ES256")), ("RS256", generate_pem("RS256", 3072))):
            keys = [{"state": "active", "pem": pem}]
            with override_settings(FLEX_AUTH={**flex_settings.user_settings, "SIGNING_KEYS": keys}):
                raw, _ = signed.mint(application, kind=TokenKind.ANONYMOUS, scope="public-read")
                assert signed.verify(raw) is not None

                def sign():
                    signed.mint(application, kind=TokenKind.ANONYMOUS, scope="public-read")

                def verify(raw=raw):
                    signed._verify_static(raw)  # the signature and claims, as for a token seen the first time

                def verify_again(raw=raw):
                    signed.verify(raw)  # a token this process verified before: its times only

                results[alg] = {
                    "sign": _per_op_us(sign, operations),
                    "verify": _per_op_us(verify, operations),
                    "verify_again": _per_op_us(verify_again, operations),
                    "token_length": len(raw),
                }
    finally:
        application.delete()
    return {"operations": operations, "algorithms": results}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("rows").add_argument("--count", type=int, default=100_000)
    sub.add_parser("crypto").add_argument("--operations", type=int, default=2_000)
    args = parser.parse_args(argv)
    _setup()
    result = rows(args.count) if args.command == "rows" else crypto(args.operations)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
