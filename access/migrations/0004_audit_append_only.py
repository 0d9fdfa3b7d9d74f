"""The database itself refuses to change or remove an audit event (DESIGN.md: append-only).

PostgreSQL: a row trigger forbids UPDATE and DELETE on access_auditevent. TRUNCATE stays possible for the table
owner (Django's test flush uses it); the application's database role should not own the table in production.
SQLite: a trigger forbids UPDATE. DELETE is left to the hash chain (audit_verify reports a removed row),
because SQLite's flush — used between transactional tests — deletes rows and a trigger cannot tell it apart.
The chain's head row is created here so concurrent first writers do not race to create it.
"""

from django.db import migrations

PG_UP = [
    """
CREATE OR REPLACE FUNCTION access_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = 'audit events are append-only (' || TG_OP || ' refused on access_auditevent)';
END;
$$ LANGUAGE plpgsql
""",
    """
CREATE TRIGGER access_auditevent_append_only
    BEFORE UPDATE OR DELETE ON access_auditevent
    FOR EACH ROW EXECUTE FUNCTION access_auditevent_append_only()
""",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS access_auditevent_append_only ON access_auditevent",
    "DROP FUNCTION IF EXISTS access_auditevent_append_only()",
]
SQLITE_UP = [
    """
CREATE TRIGGER access_auditevent_append_only BEFORE UPDATE ON access_auditevent
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only (UPDATE refused on access_auditevent)');
END
""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS access_auditevent_append_only"]

SQL = {"postgresql": (PG_UP, PG_DOWN), "sqlite": (SQLITE_UP, SQLITE_DOWN)}


def forwards(apps, schema_editor):
    up_down = SQL.get(schema_editor.connection.vendor)
    for statement in up_down[0] if up_down else []:
        schema_editor.execute(statement)
    apps.get_model("access", "AuditHead").objects.using(schema_editor.connection.alias).get_or_create(pk=1)


def backwards(apps, schema_editor):
    up_down = SQL.get(schema_editor.connection.vendor)
    for statement in up_down[1] if up_down else []:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("access", "0003_break_glass_grant")]

    operations = [migrations.RunPython(forwards, backwards)]
