"""Encrypted model fields and key rotation, on the real BreakGlassGrant model (both database backends)."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from access.crypto import DecryptionError, parse_key_list
from access.fields import EncryptedJSONField, EncryptedLookupError, EncryptedTextField
from access.models import BreakGlassGrant

KEY_OLD = base64.b64encode(b"o" * 32).decode()
KEY_NEW = base64.b64encode(b"n" * 32).decode()
SECRET = "班主任报告该生昨晚在社交平台发布告别信息"


def grant(world, reason: str = SECRET) -> BreakGlassGrant:
    now = timezone.now()
    return BreakGlassGrant.objects.create(
        user=world.psych,
        student=world.student_b1,
        reason=reason,
        granted_at=now,
        expires_at=now + dt.timedelta(hours=1),
    )


def raw_reasons() -> list[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT reason FROM access_breakglassgrant ORDER BY id")
        return [r[0] for r in cur.fetchall()]


def test_the_database_row_holds_no_plaintext_and_the_model_reads_it_back(world):
    g = grant(world)
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM access_breakglassgrant WHERE id = %s", [g.pk])
        row = cur.fetchone()
    row_text = " ".join(str(v) for v in row)
    assert SECRET not in row_text
    assert "告别" not in row_text
    assert raw_reasons()[0].startswith("x1:")
    assert BreakGlassGrant.objects.get(pk=g.pk).reason == SECRET
    assert BreakGlassGrant.objects.values_list("reason", flat=True).get(pk=g.pk) == SECRET


def test_an_encrypted_value_copied_into_another_models_column_is_refused(world):
    grant(world)
    stolen = raw_reasons()[0]
    elsewhere = EncryptedTextField()  # e.g. a case's summary column, where the value would be shown
    elsewhere.set_attributes_from_name("summary")
    elsewhere.model = type("Case", (), {"_meta": type("Meta", (), {"label_lower": "care.case"})()})
    with pytest.raises(DecryptionError, match="copied from another field"):
        elsewhere.from_db_value(stolen, None, connection)
    assert BreakGlassGrant._meta.get_field("reason").from_db_value(stolen, None, connection) == SECRET


def test_an_encrypted_field_cannot_be_searched_except_for_null(world):
    grant(world)
    with pytest.raises(EncryptedLookupError, match="only '__isnull'"):
        list(BreakGlassGrant.objects.filter(reason=SECRET))
    with pytest.raises(EncryptedLookupError):
        list(BreakGlassGrant.objects.filter(reason__icontains="告别"))
    assert BreakGlassGrant.objects.filter(reason__isnull=False).count() == 1


def test_a_queryset_update_is_encrypted_too(world):
    g = grant(world)
    BreakGlassGrant.objects.filter(pk=g.pk).update(reason="改过的理由，仍需加密")
    assert "改过" not in raw_reasons()[0]
    assert BreakGlassGrant.objects.get(pk=g.pk).reason == "改过的理由，仍需加密"


def test_an_encrypted_json_value_round_trips_and_is_not_stored_in_the_clear():
    field = EncryptedJSONField(null=True)
    field.set_attributes_from_name("answers")
    field.model = BreakGlassGrant
    value = {"item9": 2, "note": "有自伤念头", "list": [1, 2.5, None]}
    stored = field.get_db_prep_save(value, connection)
    assert stored.startswith("x1:") and "自伤" not in stored
    assert field.from_db_value(stored, None, connection) == value
    assert field.get_db_prep_save(None, connection) is None


def test_an_encrypted_field_declared_unique_fails_the_system_check():
    field = EncryptedTextField(unique=True)
    field.set_attributes_from_name("x")
    field.model = BreakGlassGrant
    assert [e.id for e in field.check()] == ["access.E001"]


def test_rotate_keys_re_encrypts_old_values_once_and_leaves_them_readable(world, settings, capsys):
    settings.XINYU_DATA_KEYS = f"old:{KEY_OLD}"
    grants = [grant(world, f"{SECRET} #{i}") for i in range(5)]
    assert all(r.startswith("x1:old:") for r in raw_reasons())

    settings.XINYU_DATA_KEYS = f"new:{KEY_NEW},old:{KEY_OLD}"
    call_command("rotate_keys", "--dry-run", "--batch", "2")
    out = capsys.readouterr().out
    assert "would re-encrypt 5 of 5 values" in out
    assert all(r.startswith("x1:old:") for r in raw_reasons())  # a dry run writes nothing

    call_command("rotate_keys", "--batch", "2", "--signed-off-by", "security_admin")
    out = capsys.readouterr().out
    assert "access.BreakGlassGrant: 5 rows, 5 values; re-encrypted 5, 0 already current" in out
    assert all(r.startswith("x1:new:") for r in raw_reasons())

    before = raw_reasons()
    call_command("rotate_keys", "--batch", "2", "--signed-off-by", "security_admin")
    assert "re-encrypted 0 of 5 values (5 already under new)" in capsys.readouterr().out
    assert raw_reasons() == before  # idempotent: a second run changes nothing

    settings.XINYU_DATA_KEYS = f"new:{KEY_NEW}"  # the old key can now be retired
    assert [BreakGlassGrant.objects.get(pk=g.pk).reason for g in grants] == [
        f"{SECRET} #{i}" for i in range(5)
    ]


def test_rotate_keys_reports_a_value_it_cannot_read_and_fails(world, settings, capsys):
    settings.XINYU_DATA_KEYS = f"lost:{KEY_OLD}"
    grant(world)
    grant(world, "另一条需要轮换的理由说明")
    settings.XINYU_DATA_KEYS = f"new:{KEY_NEW}"
    readable = parse_key_list(f"new:{KEY_NEW}").encrypt("可读的理由说明文字", "access.breakglassgrant.reason")
    with connection.cursor() as cur:  # one value stays under a key that is gone; the other is readable
        cur.execute(
            "UPDATE access_breakglassgrant SET reason = %s "
            "WHERE id = (SELECT MAX(id) FROM access_breakglassgrant)",
            [readable],
        )
    with pytest.raises(CommandError, match="1 value"):
        call_command("rotate_keys", "--signed-off-by", "security_admin")
    assert "'lost'" in capsys.readouterr().err


def test_a_guomi_deployment_moves_every_value_from_aes_to_sm4_by_rotation(world, settings, capsys):
    """国密: an SM4-GCM key made primary; rotate_keys re-seals the AES rows under it; the AES key can go."""
    import base64 as b64
    import os as _os

    settings.XINYU_DATA_KEYS = f"old:{KEY_OLD}"
    grants = [grant(world, f"{SECRET} #{i}") for i in range(3)]
    sm4_key = b64.b64encode(_os.urandom(16)).decode()
    settings.XINYU_DATA_KEYS = f"gm:sm4:{sm4_key},old:{KEY_OLD}"
    call_command("rotate_keys", "--batch", "2", "--signed-off-by", "security_admin")
    assert "re-encrypted 3" in capsys.readouterr().out
    assert all(r.startswith("x1:gm:") for r in raw_reasons())
    settings.XINYU_DATA_KEYS = f"gm:sm4:{sm4_key}"  # the AES key retired
    assert [BreakGlassGrant.objects.get(pk=g.pk).reason for g in grants] == [
        f"{SECRET} #{i}" for i in range(3)
    ]
    # and an SM4 value read with an AES key of the same id does not decrypt: the cipher belongs to the key
    settings.XINYU_DATA_KEYS = f"gm:{KEY_NEW}"
    from access.crypto import DecryptionError

    with pytest.raises(DecryptionError):
        BreakGlassGrant.objects.get(pk=grants[0].pk)


def test_rotation_end_to_end_across_apps_new_key_in_every_column_old_key_removed_data_readable(
    world, settings
):
    """Rows of three apps (access, care, counseling — through the app registry: access imports neither) sealed
    under the old key; a new primary added; rotate_keys; every encrypted column now under the new key; the old
    key removed; every value reads back as written."""
    from django.apps import apps

    settings.XINYU_DATA_KEYS = f"old:{KEY_OLD}"
    now = timezone.now()
    written = {
        grant(world): ("reason", SECRET),
        apps.get_model("care", "Alert").objects.create(
            student=world.student_a1, school=world.school_a, level="red", reasons=["自伤念头", "睡眠问题"],
            source_type="rotation", source_id="1", raised_at=now, ack_deadline=now,
        ): ("reasons", ["自伤念头", "睡眠问题"]),
        apps.get_model("counseling", "Message").objects.create(
            district=world.haidian, anonymous=True, body="我不想再去学校了，每天都很难受", submit_key="rotation-1",
            created_at=now, reply_due=now,
        ): ("body", "我不想再去学校了，每天都很难受"),
    }  # fmt: skip

    def raw(obj, field):
        column = obj._meta.get_field(field).column
        with connection.cursor() as cur:
            cur.execute(f"SELECT {column} FROM {obj._meta.db_table} WHERE id = %s", [obj.pk])  # noqa: S608
            return cur.fetchone()[0]

    assert all(raw(o, f).startswith("x1:old:") for o, (f, _) in written.items())
    settings.XINYU_DATA_KEYS = f"new:{KEY_NEW},old:{KEY_OLD}"
    call_command("rotate_keys", "--signed-off-by", "security_admin", stdout=None)
    assert all(raw(o, f).startswith("x1:new:") for o, (f, _) in written.items())
    settings.XINYU_DATA_KEYS = f"new:{KEY_NEW}"  # the old key removed
    for obj, (field, value) in written.items():
        assert getattr(type(obj).objects.get(pk=obj.pk), field) == value
