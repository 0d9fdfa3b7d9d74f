"""三权分立 (issue 8 item 2): the security administrator's role, and a trigger on both backends that refuses a
post giving one account two of the three administrative duties (system administrator, security administrator,
auditor). Post.clean() says the same to a form; the trigger holds for every other write path (bulk imports,
raw SQL, the shell). The duty of each role is frozen here as the migration's own copy."""

from django.db import migrations, models

DUTIES = {"city_admin": "system", "district_admin": "system", "security_admin": "security", "auditor": "audit"}
MESSAGE = "separation of duties: one account cannot hold posts of two administrative duties"


def _duty(column: str) -> str:
    whens = " ".join(f"WHEN '{role}' THEN '{duty}'" for role, duty in DUTIES.items())
    return f"(CASE {column} {whens} END)"


CLASH = (
    f"{_duty('NEW.role')} IS NOT NULL AND EXISTS (SELECT 1 FROM org_post p WHERE p.user_id = NEW.user_id "
    f"AND p.id <> NEW.id AND {_duty('p.role')} IS NOT NULL AND {_duty('p.role')} <> {_duty('NEW.role')})"
)
# On INSERT in SQLite NEW.id may still be NULL (rowid not yet chosen): "p.id <> NULL" is NULL, so compare with
# COALESCE; an existing row never has id -1.
SQLITE_CLASH = CLASH.replace("p.id <> NEW.id", "p.id <> COALESCE(NEW.id, -1)")

SQLITE_UP = [
    f"CREATE TRIGGER org_post_duties_insert BEFORE INSERT ON org_post WHEN {SQLITE_CLASH} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER org_post_duties_update BEFORE UPDATE OF user_id, role ON org_post WHEN {SQLITE_CLASH} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS org_post_duties_insert", "DROP TRIGGER IF EXISTS org_post_duties_update"]
PG_UP = [
    f"""
CREATE OR REPLACE FUNCTION org_post_duties() RETURNS trigger AS $$
BEGIN
    IF {CLASH} THEN
        RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation', MESSAGE = '{MESSAGE}';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
""",
    "CREATE TRIGGER org_post_duties BEFORE INSERT OR UPDATE OF user_id, role ON org_post "
    "FOR EACH ROW EXECUTE FUNCTION org_post_duties()",
]
PG_DOWN = ["DROP TRIGGER IF EXISTS org_post_duties ON org_post", "DROP FUNCTION IF EXISTS org_post_duties()"]
SQL = {"postgresql": (PG_UP, PG_DOWN), "sqlite": (SQLITE_UP, SQLITE_DOWN)}


def forwards(apps, schema_editor):
    for statement in SQL.get(schema_editor.connection.vendor, ([], []))[0]:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    for statement in SQL.get(schema_editor.connection.vendor, ([], []))[1]:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("org", "0003_fk_indexes_covered_by_composites")]

    operations = [
        migrations.AlterField(
            model_name="post",
            name="role",
            field=models.CharField(
                choices=[
                    ("city_admin", "City administrator"),
                    ("city_officer", "City officer"),
                    ("supervisor", "Supervisor"),
                    ("district_admin", "District administrator"),
                    ("district_officer", "District officer (research)"),
                    ("district_counselor", "District counselor"),
                    ("school_leader", "School leader"),
                    ("psych_teacher", "Psychological teacher"),
                    ("class_teacher", "Class teacher"),
                    ("teacher", "Teacher"),
                    ("student", "Student"),
                    ("guardian", "Guardian"),
                    ("institution_clinician", "Institution clinician"),
                    ("auditor", "Auditor"),
                    ("security_admin", "Security administrator"),
                ],
                max_length=24,
                verbose_name="role",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
