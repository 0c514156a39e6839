"""Token lookup, issue and rotation time as the token tables grow (run by bench/run.py).

    python -m bench.scale --rows 10000,1000000 [--operations 2000]

Inside the flex site's settings (DJANGO_SETTINGS_MODULE, DATABASE_URL of a scratch
database): for each size, tops both token tables up to that many rows with
generate_series (half live, half expired, digests spread over the index like real
ones), runs VACUUM ANALYZE, then times each operation individually through the token
service. Prints one JSON line with p50/p99 microseconds per operation and size.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import time

import django

django.setup()

from django.db import connection  # noqa: E402

from flex_auth_django import tokens  # noqa: E402
from flex_auth_django.applications import create_application  # noqa: E402
from flex_auth_django.models import AccessToken, ApiType, RefreshToken, TokenKind  # noqa: E402

FLAT_LIMIT = 1.5


# A filler digest: 'hmac-sha256$fill$' + base64url(sha256(label || n)), as long and as random as a real one.
def _fill_sql(label: str) -> str:
    return (
        f"'hmac-sha256$fill$' || rtrim(translate(encode(sha256(convert_to('{label}' || g, 'UTF8')), 'base64'), "
        "'+/', '-_'), '=')"
    )


def filler_digest(label: str, n: int) -> str:
    mac = base64.b64encode(hashlib.sha256(f"{label}{n}".encode()).digest()).decode()
    return "hmac-sha256$fill$" + mac.translate(str.maketrans("+/", "-_")).rstrip("=")


def fill(application_id: int, start: int, stop: int) -> float:
    """Add filler rows numbered start..stop-1 to both token tables."""
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO flex_auth_django_accesstoken (digest, application_id, kind, scope, created, expires) "
            f"SELECT {_fill_sql('a')}, %s, 'integration', 'integ', now() - interval '1 hour', "
            "CASE WHEN g %% 2 = 0 THEN now() + interval '1 hour' ELSE now() - interval '1 minute' END "
            "FROM generate_series(%s, %s) g",
            [application_id, start, stop - 1],
        )
        cursor.execute(
            "INSERT INTO flex_auth_django_refreshtoken (digest, application_id, kind, scope, family, family_started, "
            f"created, expires) SELECT {_fill_sql('r')}, %s, 'integration', 'integ', md5('r' || g)::uuid, "
            "now() - interval '1 day', now() - interval '1 day', "
            "CASE WHEN g %% 2 = 0 THEN now() + interval '29 days' ELSE now() - interval '1 minute' END "
            "FROM generate_series(%s, %s) g",
            [application_id, start, stop - 1],
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE flex_auth_django_accesstoken")
        cursor.execute("VACUUM ANALYZE flex_auth_django_refreshtoken")
    return time.perf_counter() - began


def timed(fn, items) -> dict[str, float]:
    samples = []
    for item in items:
        began = time.perf_counter()
        fn(item)
        samples.append(time.perf_counter() - began)
    samples.sort()
    return {
        "p50_us": samples[len(samples) // 2] * 1e6,
        "p99_us": samples[min(len(samples) - 1, int(len(samples) * 0.99))] * 1e6,
        "mean_us": sum(samples) / len(samples) * 1e6,
    }


def measure(application, rows: int, count: int, rng: random.Random) -> dict[str, dict[str, float]]:
    issued: list[tokens.Issued] = []

    def issue(_):
        issued.append(tokens.issue(application, kind=TokenKind.INTEGRATION, scope="integ", with_refresh=True))

    def lookup(raw):
        assert tokens.live_access(raw) is not None

    def lookup_old(digest):
        # The query find_access sends, for a row written long before (random place in the index).
        AccessToken.objects.select_related("application", "user").filter(digest=digest).first()

    def rotate(raw):
        tokens.redeem_refresh(raw, application)

    for _ in range(50):  # warm the connection and the caches
        issue(None)
    issued.clear()
    ops = {"issue (access + refresh token)": timed(issue, range(count))}
    recent = [i.access_token for i in issued]
    rng.shuffle(recent)
    ops["look up a recent access token"] = timed(lookup, recent)
    old = [filler_digest("a", rng.randrange(1, rows + 1)) for _ in range(count)]
    ops["look up a random old row"] = timed(lookup_old, old)
    ops["rotate a refresh token"] = timed(rotate, [i.refresh_token for i in issued])
    assert RefreshToken.objects.filter(retired__isnull=False).count() >= count
    return ops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="10000,1000000")
    parser.add_argument("--operations", type=int, default=2000)
    args = parser.parse_args()
    sizes = sorted(int(n) for n in args.rows.split(","))
    application, _secret = create_application("scale", ApiType.INTEGRATION)
    rng = random.Random(7)
    filled = 0
    report = []
    for rows in sizes:
        seconds = fill(application.pk, filled + 1, rows + 1)
        filled = rows
        report.append(
            {"rows": rows, "seed_seconds": round(seconds, 1), "ops": measure(application, rows, args.operations, rng)}
        )
    print(
        json.dumps(
            {
                "operations": args.operations,
                "operations_measured": list(report[0]["ops"]),
                "sizes": report,
                "flat_limit": FLAT_LIMIT,
            }
        )
    )


if __name__ == "__main__":
    main()
