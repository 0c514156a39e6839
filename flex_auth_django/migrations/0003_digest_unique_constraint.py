from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("flex_auth_django", "0002_session"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="accesstoken",
            name="digest",
            field=models.CharField(editable=False, max_length=100),
        ),
        migrations.AlterField(
            model_name="refreshtoken",
            name="digest",
            field=models.CharField(editable=False, max_length=100),
        ),
        migrations.AddConstraint(
            model_name="accesstoken",
            constraint=models.UniqueConstraint(fields=("digest",), name="flex_access_digest_unique"),
        ),
        migrations.AddConstraint(
            model_name="refreshtoken",
            constraint=models.UniqueConstraint(fields=("digest",), name="flex_refresh_digest_unique"),
        ),
    ]
