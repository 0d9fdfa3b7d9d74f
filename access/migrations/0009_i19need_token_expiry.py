"""Every API token expires (issue 19 finding 11, docs/security.md 2.10): a token made without an expiry gets
one ``XINYU_API_TOKEN_DAYS`` days after this migration runs (its clock starts at the upgrade, so no client breaks
on the day), then the column becomes required."""

import datetime as dt

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def give_every_token_an_expiry(apps, schema_editor):
    ApiToken = apps.get_model("access", "ApiToken")
    ApiToken.objects.filter(expires_at__isnull=True).update(
        expires_at=timezone.now() + dt.timedelta(days=settings.XINYU_API_TOKEN_DAYS)
    )


class Migration(migrations.Migration):
    dependencies = [("access", "0008_i18acct_activation_codes")]

    operations = [
        migrations.RunPython(give_every_token_an_expiry, migrations.RunPython.noop),
        migrations.AlterField(model_name="apitoken", name="expires_at", field=models.DateTimeField()),
    ]
