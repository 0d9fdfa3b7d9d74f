"""Persona-matrix rows of a guardian's copy of their child's records (PIPL Art. 45): the request page is for
guardians (every other role 403); the download of the 李小明 guardian's ready export is theirs alone — the other
guardian gets 404 (the export's existence is not confirmed), every other role 403."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from access.tests.matrix_support import EVERYONE, Expect

GUARDIANS = frozenset({"guardian", "other_guardian"})

PAGE = {
    "care:guardian_export": Expect(GUARDIANS, role_never=EVERYONE - GUARDIANS),
    "care:guardian_export_download": Expect(
        frozenset({"guardian"}), params=(("pk", "export_ready"),), role_never=EVERYONE - GUARDIANS
    ),
}


def objects(world) -> dict:
    from django.utils import timezone

    from care.guardian_export.services import export_dir
    from care.models import ExportStatus, GuardianExport

    folder = export_dir()
    folder.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("README.txt", "matrix")
    (folder / "matrix-export.zip").write_bytes(buf.getvalue())  # one fixed name: no file piles up across runs
    now = timezone.now()
    export = GuardianExport.objects.create(
        requested_by=world.guardian, student=world.student_a1, status=ExportStatus.READY, created_at=now,
        ready_at=now, expires_at=now + dt.timedelta(hours=1), file="matrix-export.zip",
    )  # fmt: skip
    return {"export_ready": export}
