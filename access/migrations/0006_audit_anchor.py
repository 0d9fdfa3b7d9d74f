"""Audit retention (issue 8 item 4): the chain's anchor after a purge, and a PostgreSQL trigger that lets
``manage.py audit_purge`` — and nothing else — delete old events.

The trigger still refuses every UPDATE. A DELETE passes only inside a transaction that set
``xinyu.audit_purge_through`` (``SET LOCAL``, as ``access.audit.purge`` does) and only for events up to that seq
that are more than 183 days old by the database's clock: even a purge run by mistake cannot cut the six months
that 等保 level 3 requires.
"""

from django.db import migrations, models

PG_PURGE_FUNCTION = """
CREATE OR REPLACE FUNCTION access_auditevent_append_only() RETURNS trigger AS $$
DECLARE
    through text := current_setting('xinyu.audit_purge_through', true);
BEGIN
    IF TG_OP = 'DELETE' AND through IS NOT NULL AND through <> ''
       AND OLD.seq <= through::bigint AND OLD.at < now() - interval '183 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = 'audit events are append-only (' || TG_OP || ' refused on access_auditevent)';
END;
$$ LANGUAGE plpgsql
"""
PG_APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION access_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = 'audit events are append-only (' || TG_OP || ' refused on access_auditevent)';
END;
$$ LANGUAGE plpgsql
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_PURGE_FUNCTION)
    apps.get_model("access", "AuditAnchor").objects.using(schema_editor.connection.alias).get_or_create(pk=1)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_APPEND_ONLY_FUNCTION)


class Migration(migrations.Migration):
    dependencies = [("access", "0005_audit_hash_sm3")]

    operations = [
        migrations.CreateModel(
            name="AuditAnchor",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.BigIntegerField(default=0)),
                ("hash", models.CharField(default="0" * 64, max_length=72)),
                ("purged_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
