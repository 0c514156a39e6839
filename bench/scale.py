"""Token lookup, issue and rotation time as the token tables grow (run by bench/run.py).

    python -m bench.scale fill --rows 1000000
    python -m bench.scale measure --rows 1000000 [--operations 1000] [--seed 1]

Run inside the flex site's settings (DJANGO_SETTINGS_MODULE) with DATABASE_URL naming a
scratch database, one database per size. `fill` creates an Integration application and
tops both token tables up to --rows rows each with generate_series (half live, half
expired, digests spread over the index like real ones), then VACUUM ANALYZE. `measure`
times each operation individually through the token service, deletes the rows it added
(so repeated rounds measure the same size) and prints one JSON line of p50/p99/mean
microseconds per operation. bench/run.py alternates measure rounds between the sizes,
so drift in machine load does not favour either size.
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
from flex_auth_django.db import statements as fastsql  # noqa: E402
from flex_auth_django.models import AccessToken, ApiType, Application, RefreshToken, TokenKind  # noqa: E402

APP_NAME = "scale"
TABLES = ("flex_auth_django_accesstoken", "flex_auth_django_refreshtoken")


def _fill_sql(label: str) -> str:
    """A filler digest: 'hmac-sha256$fill$' + base64url(sha256(label || n)), as long and as random as a real one."""
    return (
        f"'hmac-sha256$fill$' || rtrim(translate(encode(sha256(convert_to('{label}' || g, 'UTF8')), 'base64'), "
        "'+/', '-_'), '=')"
    )


def filler_digest(label: str, n: int) -> str:
    mac = base64.b64encode(hashlib.sha256(f"{label}{n}".encode()).digest()).decode()
    return "hmac-sha256$fill$" + mac.translate(str.maketrans("+/", "-_")).rstrip("=")


def fill(rows: int) -> dict:
    began = time.perf_counter()
    application, _secret = create_application(APP_NAME, ApiType.INTEGRATION)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO flex_auth_django_accesstoken (digest, application_id, kind, scope, created, expires) "
            f"SELECT {_fill_sql('a')}, %s, 'integration', 'integ', now() - interval '1 hour', "
            "CASE WHEN g %% 2 = 0 THEN now() + interval '1 hour' ELSE now() - interval '1 minute' END "
            "FROM generate_series(1, %s) g",
            [application.pk, rows],
        )
        cursor.execute(
            "INSERT INTO flex_auth_django_refreshtoken (digest, application_id, kind, scope, family, family_started, "
            f"created, expires) SELECT {_fill_sql('r')}, %s, 'integration', 'integ', md5('r' || g)::uuid, "
            "now() - interval '1 day', now() - interval '1 day', "
            "CASE WHEN g %% 2 = 0 THEN now() + interval '29 days' ELSE now() - interval '1 minute' END "
            "FROM generate_series(1, %s) g",
            [application.pk, rows],
        )
        for table in TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
    return {"rows": rows, "seconds": round(time.perf_counter() - began, 1)}


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


def measure(rows: int, count: int, seed: int) -> dict[str, dict[str, float]]:
    application = Application.objects.get(name=APP_NAME)
    rng = random.Random(seed)
    last_access = AccessToken.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last_refresh = RefreshToken.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    issued: list[tokens.Issued] = []

    def issue(_):
        issued.append(tokens.issue(application, kind=TokenKind.INTEGRATION, scope="integ", with_refresh=True))

    def lookup(raw):
        assert tokens.live_access(raw) is not None

    def lookup_old(digest):
        # The statement find_access sends, for a row written long before (a random place in the index).
        assert fastsql.get(AccessToken, "digest", digest, related=("application", "user")) is not None

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
    # Back to the filled size for the next round.
    AccessToken.objects.filter(pk__gt=last_access).delete()
    RefreshToken.objects.filter(pk__gt=last_refresh).delete()
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"VACUUM {table}")
    return ops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["fill", "measure"])
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--operations", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.command == "fill":
        print(json.dumps(fill(args.rows)))
    else:
        print(json.dumps(measure(args.rows, args.operations, args.seed)))


if __name__ == "__main__":
    main()
