"""A guardian's copy of their child's records (个人信息副本, PIPL Art. 45; issue 8 item 6; docs/privacy.md).

The guardian asks from the family page with their password typed again; a task builds a zip — ``README.txt``
(Chinese), and per data category a ``<key>.json`` and a readable ``<key>.html`` — that the guardian who asked
downloads until the link expires. ``care`` never imports the apps that hold the records: each registers a
*section provider* in its ``AppConfig.ready()``::

    from care.guardian_export.services import Section, register_export_section

    def appointments(student, guardian_user) -> Section:
        rows = [...]  # what the policy lets a guardian see of this child, and nothing about anyone else
        return Section("appointments", _("Counseling appointments"), [("date", _("Date")), …], rows)

    register_export_section(appointments)

Rules for a provider: the child's T1 data, and above it only what the policy lets a guardian see (results as
far as the campaign lets students and guardians see them; the family's own home visits and parent sessions);
never T3 clinical text or scores beyond that, never T4, never another student.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import secrets
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from access import audit
from access.auth import PasswordAgainRefused, check_password_again
from access.policy import get_student_or_404
from access.tiers import Tier
from care.models import ExportStatus, GuardianExport
from org.models import GuardianLink, Student, User

log = logging.getLogger(__name__)

LINK_HOURS = 72  # the download link's life; the zip itself goes after XINYU_RETENTION["guardian_exports"]


@dataclass
class Section:
    key: str  # file name stem: letters, digits, underscores
    title: str
    columns: list[tuple[str, str]]  # (row key, label) for the HTML table
    rows: list[dict] = field(default_factory=list)
    note: str = ""


SectionProvider = Callable[[Student, User], Section | None]
_providers: list[SectionProvider] = []


def register_export_section(fn: SectionProvider) -> None:
    if fn not in _providers:
        _providers.append(fn)


class ExportError(Exception):
    pass


def export_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "exports"


# --- the child's own T1 record (care's own section; org is below care) ----------------------------------------


def identity_section(student: Student, guardian_user: User) -> Section:
    enrollments = student.enrollments.select_related("school", "school_class", "school_year").order_by(
        "school_year__start_year"
    )
    rows = [
        {
            "kind": _("Student"),
            "name": student.name,
            "detail": f"{_('student number (学籍号)')}: {student.student_no}; {student.get_gender_display()}; "
            f"{_('birth date')}: {student.birth_date.isoformat()}",
        }
    ]
    for e in enrollments:
        rows.append(
            {
                "kind": _("Enrollment"),
                "name": e.school.name,
                "detail": f"{e.school_year} {_('grade')} {e.grade} {e.school_class or ''} ({e.get_status_display()})",
            }
        )
    for link in GuardianLink.objects.filter(student=student, guardian__user=guardian_user).select_related(
        "guardian"
    ):
        rows.append(
            {
                "kind": _("Guardian"),
                "name": link.guardian.name,
                "detail": f"{link.get_relation_display()}; {_('mobile phone')}: {link.guardian.phone}",
            }
        )
    return Section(
        "identity",
        _("Identity and contact data"),
        [("kind", _("Kind")), ("name", _("Name")), ("detail", _("Details"))],
        rows,
    )


register_export_section(identity_section)


# --- services ---------------------------------------------------------------------------------------------------


def children_of(user: User) -> list[Student]:
    return list(Student.objects.filter(guardian_links__guardian__user=user).order_by("name"))


def request_export(*, user: User, student_id: int, password: str, request=None) -> GuardianExport:
    """The guardian asks for a copy: their own child only (404 otherwise), password typed again (a wrong one is
    audited and refused). The zip is built by a task after the commit."""
    if not GuardianLink.objects.filter(guardian__user=user, student_id=student_id).exists():
        from django.http import Http404

        raise Http404
    student = get_student_or_404(user, student_id, Tier.T1)
    try:  # throttled like the login (issue 19 finding 6: twelve wrong, then right, was accepted)
        check_password_again(user=user, password=password, purpose="privacy.export", request=request)
    except PasswordAgainRefused as exc:
        raise ExportError(str(exc)) from None
    now = timezone.now()
    with transaction.atomic():
        export = GuardianExport.objects.create(
            requested_by=user,
            student=student,
            created_at=now,
            expires_at=now + dt.timedelta(hours=LINK_HOURS),
        )
        audit.record(actor=user, action="privacy.export", obj=export, student_id=student.pk, request=request)
        transaction.on_commit(lambda: _enqueue(export.pk))
    return export


def _enqueue(export_id: int) -> None:
    from care.guardian_export.tasks import build_guardian_export

    build_guardian_export.delay(export_id)


README = """个人信息副本（监护人申请）

学生：{name}
申请人：{guardian}
生成时间：{at}（北京时间）
下载链接有效期至：{until}；文件在 {keep} 天后从系统中删除。

本压缩包依据《中华人民共和国个人信息保护法》第四十五条，向监护人提供其子女在“心育”平台中、
监护人有权查看的个人信息副本。每一类数据有两个文件：
  *.json  机器可读的数据；
  *.html  可直接用浏览器打开的易读摘要。

包含的数据类别：
{sections}

不包含的内容：心理老师的临床记录、评估分数与等级（除非该次测评设定为学生和家长可以查看）、
辅导记录笔记、其他学生的任何信息。如需查阅或更正，请联系学校心理老师或学校领导；
更正身份与联系方式可在“我的家庭”页面提出申请。

请妥善保管本文件：其中包含未成年人的个人信息。
"""


def _sections(student: Student, guardian_user: User) -> list[Section]:
    out = []
    for fn in _providers:
        section = fn(student, guardian_user)
        if section is not None:
            out.append(section)
    return out


def _zip_bytes(export: GuardianExport) -> bytes:
    student, user = export.student, export.requested_by
    local = timezone.localtime()
    with translation.override("zh-hans"):
        sections = _sections(student, user)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            lines = "\n".join(
                f"  {s.key}.json / {s.key}.html — {s.title}（{len(s.rows)} 条）" for s in sections
            )
            keep = settings.XINYU_RETENTION.get("guardian_exports", {}).get("days", 7)
            zf.writestr(
                "README.txt",
                README.format(
                    name=student.name,
                    guardian=str(user),
                    at=f"{local:%Y-%m-%d %H:%M}",
                    until=f"{timezone.localtime(export.expires_at):%Y-%m-%d %H:%M}",
                    keep=keep,
                    sections=lines,
                ),
            )
            for s in sections:
                payload = {
                    "category": s.key,
                    "title": str(s.title),
                    "student": student.name,
                    "generated_at": local.isoformat(),
                    "records": s.rows,
                }
                zf.writestr(f"{s.key}.json", json.dumps(payload, ensure_ascii=False, indent=1, default=str))
                html = render_to_string(
                    "care/guardian_export_section.html",
                    {
                        "section": s,
                        "student": student,
                        "at": local,
                        "table": [[row.get(k, "") for k, _label in s.columns] for row in s.rows],
                    },
                )
                zf.writestr(f"{s.key}.html", html)
    return buf.getvalue()


def build(export_id: int) -> GuardianExport | None:
    """Build the zip of one export (the task's body). Idempotent: a ready export is left as it is."""
    from care.alerts.services import notify

    export = GuardianExport.objects.select_related("student", "requested_by").filter(pk=export_id).first()
    if export is None or export.status == ExportStatus.READY:
        return export
    try:
        data = _zip_bytes(export)
    except Exception:
        log.exception("care: guardian export %s failed", export_id)
        GuardianExport.objects.filter(pk=export.pk).update(status=ExportStatus.FAILED)
        raise
    folder = export_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.zip"
    tmp = folder / (name + ".part")
    tmp.write_bytes(data)
    tmp.replace(folder / name)
    with transaction.atomic():
        export.status, export.file, export.size, export.ready_at = (
            ExportStatus.READY,
            name,
            len(data),
            timezone.now(),
        )
        export.save(update_fields=["status", "file", "size", "ready_at"])
        with translation.override("zh-hans"):
            subject = _("The copy of your child's records is ready to download")
        notify(
            users=[export.requested_by],
            kind="privacy.export",
            subject=subject,
            url=reverse("care:guardian_export"),
            key=f"privacy.export:{export.pk}",
        )
    return export


def download_path(*, user: User, export_id: int, request=None) -> tuple[GuardianExport, Path]:
    """The zip for the guardian who asked, while the link is valid; anyone else (another guardian, staff) 404 —
    the export's existence is not confirmed. Audited (``privacy.export.download``)."""
    from django.http import Http404

    export = GuardianExport.objects.filter(pk=export_id, requested_by=user).first()
    if export is None:
        raise Http404
    if export.status != ExportStatus.READY or export.expires_at <= timezone.now() or not export.file:
        raise PermissionDenied
    path = export_dir() / export.file
    if not path.is_file():
        raise Http404
    GuardianExport.objects.filter(pk=export.pk).update(downloads=export.downloads + 1)
    audit.record(
        actor=user,
        action="privacy.export.download",
        obj=export,
        student_id=export.student_id,
        request=request,
    )
    return export, path


def remove_file(export: GuardianExport) -> None:
    if export.file:
        (export_dir() / export.file).unlink(missing_ok=True)
