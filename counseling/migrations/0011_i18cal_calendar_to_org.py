"""The holiday calendar moves to the school calendar in org (issue 18, build 3): every counseling.CalendarDay row
becomes a national org.CalendarDay row (edits and who made them kept), then the old table goes."""

from django.db import migrations


def copy_days(apps, schema_editor):
    old = apps.get_model("counseling", "CalendarDay")
    new = apps.get_model("org", "CalendarDay")
    have = set(new.objects.filter(node__isnull=True).values_list("date", flat=True))
    new.objects.bulk_create(
        new(
            node=None,
            date=row.date,
            kind=row.kind,
            name=row.name,
            edited_by_id=row.edited_by_id,
            edited_at=row.edited_at,
        )
        for row in old.objects.all()
        if row.date not in have
    )


def copy_back(apps, schema_editor):
    old = apps.get_model("counseling", "CalendarDay")
    new = apps.get_model("org", "CalendarDay")
    old.objects.bulk_create(
        old(date=r.date, kind=r.kind, name=r.name, edited_by_id=r.edited_by_id, edited_at=r.edited_at)
        for r in new.objects.filter(node__isnull=True, kind__in=["holiday", "workday"])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("counseling", "0010_i19priv_anonymous_audit"),
        ("org", "0007_i18cal_calendar_rollover"),
    ]

    operations = [
        migrations.RunPython(copy_days, copy_back),
        migrations.DeleteModel(name="CalendarDay"),
    ]
