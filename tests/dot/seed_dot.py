"""Fill a stock DOT database the way a running DOT site did: applications, a user, live and dead tokens.

Run as `python -m tests.dot.seed_dot` with DJANGO_SETTINGS_MODULE=tests.dot.stock_dot_settings;
prints the credentials (JSON) the adoption test then uses against flex-auth-django. The user's
session is obtained from DOT's own token endpoint (password grant), so the refresh token, its
checksum and scope are exactly what DOT writes.
"""

from __future__ import annotations

import json
from datetime import timedelta


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone
    from oauth2_provider.models import AccessToken, Application, RefreshToken

    user = get_user_model().objects.create_user("old-user@example.com", "old-user@example.com", "old-password-1234")
    plain = Application.objects.create(
        name="Reporting server",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret="plain-secret-0123456789-abcdefghij",
        hash_client_secret=False,
    )
    hashed = Application.objects.create(
        name="Billing server",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret="hashed-secret-0123456789-abcdefghij",  # DOT hashes it on save (its default)
    )
    shop = Application.objects.create(
        name="",  # DOT allows nameless applications
        client_id="web-shop.v1",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_PASSWORD,
        client_secret="shop-secret-0123456789-abcdefghij",
    )
    Application.objects.create(
        name="Partner site",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://partner.example.com/callback",
    )
    response = Client().post(
        "/o/token/",
        {
            "grant_type": "password",
            "client_id": shop.client_id,
            "username": "old-user@example.com",
            "password": "old-password-1234",
            "scope": "read write",
        },
    )
    assert response.status_code == 200, response.content
    session = response.json()
    # The reporting server's own token: DOT's client-credentials grant issues no refresh token, so
    # its scopes are only on the access token (flex_adopt_dot maps them too).
    AccessToken.objects.create(
        application=plain, token="reportingaccess0123456789abcdef", scope="read reports", expires=timezone.now()
    )
    # A session the user already ended (DOT revoked its refresh token): must not come back.
    dead_access = AccessToken.objects.create(
        user=user, application=shop, token="deadaccess0123456789abcdefghij", scope="read", expires=timezone.now()
    )
    RefreshToken.objects.create(
        user=user,
        application=shop,
        token="deadrefresh0123456789abcdefghi",
        access_token=dead_access,
        revoked=timezone.now() - timedelta(days=1),
    )
    print(
        json.dumps(
            {
                "plain": {"client_id": plain.client_id, "client_secret": "plain-secret-0123456789-abcdefghij"},
                "hashed": {"client_id": hashed.client_id, "client_secret": "hashed-secret-0123456789-abcdefghij"},
                "shop": {"client_id": shop.client_id},
                "user": {"email": "old-user@example.com", "password": "old-password-1234"},
                "refresh_token": session["refresh_token"],
                "revoked_refresh_token": "deadrefresh0123456789abcdefghi",
            }
        )
    )


if __name__ == "__main__":
    main()
