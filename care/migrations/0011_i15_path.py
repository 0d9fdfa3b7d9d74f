"""Issue 15, build 3: crisis steps have an owner (backfilled for the steps still to do: 陪护 → the student's class
teacher, else the case owner; every other step → the case owner); alert events record a confirmed level."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def backfill_owners(apps, schema_editor):
    CrisisStep = apps.get_model("care", "CrisisStep")
    Enrollment = apps.get_model("org", "Enrollment")
    waiting = CrisisStep.objects.filter(owner__isnull=True, done_at__isnull=True, skipped_at__isnull=True)
    for step in waiting.exclude(case__status="closed").select_related("case"):
        owner_id = step.case.owner_id
        if step.kind == "accompanied":
            teacher = (
                Enrollment.objects.filter(student_id=step.case.student_id, status="active")
                .values_list("school_class__class_teacher_id", flat=True)
                .first()
            )
            owner_id = teacher or owner_id
        if owner_id:
            CrisisStep.objects.filter(pk=step.pk).update(owner_id=owner_id)


class Migration(migrations.Migration):

    dependencies = [
        ('care', '0010_i15_hours'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='crisisstep',
            name='owner',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='crisis_steps_owned', to=settings.AUTH_USER_MODEL, verbose_name='owner'),
        ),
        migrations.AlterField(
            model_name='alertevent',
            name='kind',
            field=models.CharField(choices=[('raised', 'Raised'), ('notified', 'Notified'), ('escalated', 'Escalated'), ('acknowledged', 'Acknowledged'), ('level', 'Level confirmed')], max_length=12, verbose_name='kind'),
        ),
        migrations.RunPython(backfill_owners, migrations.RunPython.noop),
    ]
