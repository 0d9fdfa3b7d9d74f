"""Issue 16 (R4.2): a message's risk class (imminent danger / risk / none) orders the queue. Old rows are
backfilled from ``crisis``: a crisis becomes *risk* (the imminent class did not exist when they were read)."""

from django.conf import settings
from django.db import migrations, models


def backfill(apps, schema_editor):
    Message = apps.get_model("counseling", "Message")
    Message.objects.filter(crisis=True).update(risk_class=1)


class Migration(migrations.Migration):
    dependencies = [
        ("counseling", "0006_message_acknowledgement"),
        ("org", "0004_separation_of_duties"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="message",
            options={
                "ordering": ["-risk_class", "reply_due", "pk"],
                "verbose_name": "24-hour message",
                "verbose_name_plural": "24-hour messages",
            },
        ),
        migrations.RemoveIndex(
            model_name="message",
            name="centre_message_queue",
        ),
        migrations.AddField(
            model_name="message",
            name="risk_class",
            field=models.PositiveSmallIntegerField(
                choices=[(0, "No risk found"), (1, "Risk"), (2, "Imminent danger")],
                default=0,
                verbose_name="risk class",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                fields=["district", "status", "-risk_class", "reply_due"], name="centre_message_queue"
            ),
        ),
    ]
