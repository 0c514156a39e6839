import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    # DOT's own first migration points its Grant and IDToken at the swapped application
    # model, so ours must exist first.
    run_before = [("oauth2_provider", "0001_initial")]

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Application",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=255, verbose_name="name")),
                (
                    "api_type",
                    models.CharField(
                        choices=[("marketplace", "Marketplace API"), ("integration", "Integration API")],
                        max_length=16,
                        verbose_name="API type",
                    ),
                ),
                (
                    "client_id",
                    models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="client ID"),
                ),
                (
                    "client_secret_digest",
                    models.CharField(editable=False, max_length=128, verbose_name="client secret digest"),
                ),
                (
                    "client_secret_last4",
                    models.CharField(editable=False, max_length=4, verbose_name="client secret (last 4)"),
                ),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "created",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name="created"),
                ),
                ("last_used", models.DateTimeField(blank=True, editable=False, null=True, verbose_name="last used")),
            ],
            options={
                "verbose_name": "application",
                "verbose_name_plural": "applications",
                "ordering": ("-created",),
            },
        ),
        migrations.CreateModel(
            name="AccessToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("digest", models.CharField(editable=False, max_length=100, unique=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("anonymous", "Anonymous"),
                            ("user", "User"),
                            ("trusted_user", "Trusted user"),
                            ("integration", "Integration"),
                        ],
                        max_length=16,
                    ),
                ),
                ("scope", models.CharField(max_length=255)),
                ("family", models.UUIDField(blank=True, db_index=True, editable=False, null=True)),
                ("created", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("expires", models.DateTimeField(db_index=True)),
                ("revoked", models.DateTimeField(blank=True, null=True)),
                (
                    "subject",
                    models.ForeignKey(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="exchanged",
                        to=settings.OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL,
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="flex_access_tokens",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "application",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="access_tokens",
                        to=settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "access token",
                "verbose_name_plural": "access tokens",
                "indexes": [
                    models.Index(
                        condition=models.Q(("revoked__isnull", False)), fields=["revoked"], name="flex_access_revoked"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="RefreshToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("digest", models.CharField(editable=False, max_length=100, unique=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("anonymous", "Anonymous"),
                            ("user", "User"),
                            ("trusted_user", "Trusted user"),
                            ("integration", "Integration"),
                        ],
                        max_length=16,
                    ),
                ),
                ("scope", models.CharField(max_length=255)),
                ("family", models.UUIDField(db_index=True, editable=False)),
                ("family_started", models.DateTimeField(editable=False)),
                ("created", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("expires", models.DateTimeField(db_index=True)),
                ("retired", models.DateTimeField(blank=True, null=True)),
                ("revoked", models.DateTimeField(blank=True, null=True)),
                (
                    "application",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="refresh_tokens",
                        to=settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
                    ),
                ),
                (
                    "parent",
                    models.OneToOneField(
                        blank=True,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="successor",
                        to=settings.OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL,
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="flex_refresh_tokens",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "refresh token",
                "verbose_name_plural": "refresh tokens",
                "indexes": [
                    models.Index(
                        condition=models.Q(("revoked__isnull", False)), fields=["revoked"], name="flex_refresh_revoked"
                    )
                ],
            },
        ),
    ]
