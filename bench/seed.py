"""Seed one benchmarked site: applications, users and pools of live tokens, written to files for wrk.

Run by bench/run.py inside the site's Django settings (DJANGO_SETTINGS_MODULE, DATABASE_URL):

    python -m bench.seed flex|dot --out DIR --users N --refresh N --refresh-warm N --access N

Prints one JSON object: client ids and secrets, and the pool files. Tokens are minted the
way each site mints them (flex: the token service's generators and keyed digests; DOT: its
token generator and models) but inserted in bulk, so thousands of single-use refresh tokens
cost seconds, not a password hash each.
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from datetime import timedelta
from pathlib import Path

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.views import PASSWORD  # noqa: E402

User = get_user_model()


def email(i: int) -> str:
    return f"bench{i}@example.com"


def seed_users(count: int, *, username_is_email: bool) -> list:
    encoded = make_password(PASSWORD)  # one hash shared by all: seeding stays fast, checking costs the same
    users = [
        User(username=email(i) if username_is_email else f"bench{i}", email=email(i), password=encoded)
        for i in range(count)
    ]
    return User.objects.bulk_create(users, batch_size=1000)


def write_pool(out: Path, name: str, values: list[str]) -> str:
    path = out / f"{name}.txt"
    path.write_text("".join(f"{v}\n" for v in values))
    return str(path)


def copy_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    """COPY rows into a table (PostgreSQL): 100k rows take about a second."""
    with connection.cursor() as cursor:
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)


# -- flex_auth_django ------------------------------------------------------------------


def seed_flex(args: argparse.Namespace, out: Path) -> dict:
    from flex_auth_django import tokens
    from flex_auth_django.applications import create_application
    from flex_auth_django.models import ApiType, TokenKind
    from flex_auth_django.tokens import digests, generate

    marketplace, marketplace_secret = create_application("bench marketplace", ApiType.MARKETPLACE)
    integration, integration_secret = create_application("bench integration", ApiType.INTEGRATION)
    users = seed_users(args.users, username_is_email=False)
    now = timezone.now()

    def refresh_pool(count: int) -> list[str]:
        raws, rows = [], []
        for i in range(count):
            raw = generate.refresh_token()
            user = users[i % len(users)]
            expires = now + timedelta(days=30)
            rows.append(
                (digests.make(raw), marketplace.pk, user.pk, TokenKind.USER, "user", uuid.uuid4(), now, now, expires)
            )
            raws.append(raw)
        copy_rows(
            "flex_auth_django_refreshtoken",
            ["digest", "application_id", "user_id", "kind", "scope", "family", "family_started", "created", "expires"],
            rows,
        )
        return raws

    def access_pool(count: int) -> list[str]:
        raws, rows = [], []
        for i in range(count):
            raw = generate.access_token()
            user = users[i % len(users)]
            rows.append(
                (
                    digests.make(raw),
                    marketplace.pk,
                    user.pk,
                    TokenKind.USER,
                    "user",
                    uuid.uuid4(),
                    now,
                    now + timedelta(hours=2),
                )
            )
            raws.append(raw)
        copy_rows(
            "flex_auth_django_accesstoken",
            ["digest", "application_id", "user_id", "kind", "scope", "family", "created", "expires"],
            rows,
        )
        return raws

    def anonymous_pool(count: int) -> list[str]:
        """Signed anonymous tokens (nothing to store), minted for two hours so none expires mid-run."""
        from django.test import override_settings

        from flex_auth_django.settings import flex_settings
        from flex_auth_django.tokens.formats import signed

        with override_settings(FLEX_AUTH={**flex_settings.user_settings, "ACCESS_TOKEN_LIFETIME": 7200}):
            assert signed.available(), "no active signing key: anonymous tokens would be opaque"
            return [
                signed.mint(marketplace, kind=TokenKind.ANONYMOUS, scope="public-read", now=now)[0]
                for _ in range(count)
            ]

    with transaction.atomic():
        pools = {
            "anonymous": write_pool(out, "flex-anonymous", anonymous_pool(args.access)),
            "refresh": write_pool(out, "flex-refresh", refresh_pool(args.refresh)),
            "refresh_warm": write_pool(out, "flex-refresh-warm", refresh_pool(args.refresh_warm)),
            "access": write_pool(out, "flex-access", access_pool(args.access)),
            "users": write_pool(out, "flex-users", [email(i) for i in range(len(users))]),
        }
    # A sanity check that the seeded rows are what the service itself would accept.
    for pool in ("access", "anonymous"):
        probe = Path(pools[pool]).read_text().split("\n", 1)[0]
        assert tokens.live_access(probe) is not None, f"a seeded {pool} token is not live"
    return {
        "marketplace": {"client_id": str(marketplace.client_id), "client_secret": marketplace_secret},
        "integration": {"client_id": str(integration.client_id), "client_secret": integration_secret},
        "pools": pools,
    }


# -- stock django-oauth-toolkit ------------------------------------------------------------


def seed_dot(args: argparse.Namespace, out: Path) -> dict:
    from oauth2_provider.generators import generate_client_secret
    from oauth2_provider.models import AccessToken, RefreshToken, get_application_model
    from oauthlib.common import generate_token

    Application = get_application_model()
    users = seed_users(args.users, username_is_email=True)

    def application(name: str, grant: str, *, hashed: bool) -> dict:
        secret = generate_client_secret()
        app = Application.objects.create(
            name=name,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=grant,
            client_secret=secret,  # hashed on save unless hash_client_secret=False (DOT >= 2.0)
            hash_client_secret=hashed,
        )
        return {"app": app, "client_id": app.client_id, "client_secret": secret}

    apps = {
        "cc_hashed": application("cc hashed", Application.GRANT_CLIENT_CREDENTIALS, hashed=True),
        "cc_plain": application("cc plain", Application.GRANT_CLIENT_CREDENTIALS, hashed=False),
        "pw_hashed": application("password hashed", Application.GRANT_PASSWORD, hashed=True),
        "pw_plain": application("password plain", Application.GRANT_PASSWORD, hashed=False),
    }
    expires = timezone.now() + timedelta(hours=2)

    def access_pool(app, count: int) -> list[AccessToken]:
        rows = [
            AccessToken(
                user=users[i % len(users)], application=app, token=generate_token(), expires=expires, scope="read write"
            )
            for i in range(count)
        ]
        return AccessToken.objects.bulk_create(rows, batch_size=2000)

    def refresh_pool(app, count: int) -> list[str]:
        access = access_pool(app, count)
        rows = [
            RefreshToken(
                user=a.user, application=app, token=generate_token(), access_token=a, token_family=uuid.uuid4()
            )
            for a in access
        ]
        return [r.token for r in RefreshToken.objects.bulk_create(rows, batch_size=2000)]

    with transaction.atomic():
        pools = {
            "refresh_plain": write_pool(out, "dot-refresh-plain", refresh_pool(apps["pw_plain"]["app"], args.refresh)),
            "refresh_plain_warm": write_pool(
                out, "dot-refresh-plain-warm", refresh_pool(apps["pw_plain"]["app"], args.refresh_warm)
            ),
            "refresh_hashed": write_pool(
                out, "dot-refresh-hashed", refresh_pool(apps["pw_hashed"]["app"], args.refresh_hashed)
            ),
            "refresh_hashed_warm": write_pool(
                out, "dot-refresh-hashed-warm", refresh_pool(apps["pw_hashed"]["app"], args.refresh_hashed)
            ),
            "access": write_pool(
                out, "dot-access", [a.token for a in access_pool(apps["pw_plain"]["app"], args.access)]
            ),
            "users": write_pool(out, "dot-users", [email(i) for i in range(len(users))]),
        }
    return {
        **{name: {"client_id": a["client_id"], "client_secret": a["client_secret"]} for name, a in apps.items()},
        "pools": pools,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", choices=["flex", "dot"])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--refresh", type=int, default=60_000, help="single-use refresh tokens for the measured run")
    parser.add_argument("--refresh-warm", type=int, default=10_000, help="single-use refresh tokens for the warm-up")
    parser.add_argument(
        "--refresh-hashed", type=int, default=1_000, help="DOT: refresh tokens of the hashed-secret app"
    )
    parser.add_argument("--access", type=int, default=5_000, help="live user access tokens (reused)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    info = seed_flex(args, args.out) if args.site == "flex" else seed_dot(args, args.out)
    info["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(info))


if __name__ == "__main__":
    main()
