"""Payloads for every user-writable text column, and a parser that finds script in a page (tests/security/test_xss.py
and tests/browser/test_free_text_xss.py)."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

from django.apps import apps
from django.db import models

from access.tests.test_matrix import _objects

# Text columns no user writes (written by code, computed, or validated against a fixed list), with the reason.
# Every other text column of every app is fuzzed: a new column is covered without touching this file.
NOT_USER_TEXT: dict[str, str] = {
    "org.Node.path": "materialised path computed from the tree (editable=False)",
    "org.User.password": "a password hash, never shown",
    "org.ImportJob.file": "the storage path the server chose for an upload",
    "care.GuardianExport.file": "the storage path the server chose for an export zip",
    "access.AuditEvent.action": "a code constant ('student.view', …)",
    "access.AuditEvent.object_type": "a model label written by code",
    "access.AuditEvent.object_id": "a primary key written by code",
    "access.AuditEvent.prev_hash": "hash chain (computed)",
    "access.AuditEvent.hash": "hash chain (computed)",
    "access.AuditHead.hash": "hash chain (computed)",
    "access.AuditAnchor.hash": "hash chain (computed)",
    "access.ApiToken.prefix": "the first characters of a generated token",
    "access.ApiToken.digest": "a token digest",
    "care.LevelRecord.source_type": "a model label written by code",
    "care.LevelRecord.source_id": "a primary key written by code",
    "care.Alert.source_type": "a model label written by code",
    "care.Alert.source_id": "a primary key written by code",
    "care.Notification.kind": "a code constant",
    "care.Notification.url": "built with reverse() by code",
    "care.Notification.key": "an idempotency key built by code",
    "care.Case.source_id": "a primary key written by code",
    "care.CaseMember.role": "an org.Role value written by code",
    "care.CaseEvent.before": "a status or level value written by code",
    "care.CaseEvent.after": "a status or level value written by code",
    "care.CaseEvent.source_type": "a model label written by code",
    "care.CaseEvent.source_id": "a primary key written by code",
    "care.ReferralEvent.before": "a status value written by code",
    "care.LevelRecord.reasons": "structured JSON written by scoring code (not free text)",
    "care.Alert.reasons": "structured JSON written by scoring code (not free text)",
    "screening.Result.flags": "structured JSON written by scoring code (not free text)",
    "screening.BatteryEntry.instrument_id": "chosen from the instrument library (validated)",
    "screening.BatteryEntry.instrument_version": "chosen from the instrument library (validated)",
    "screening.BatteryEntry.variant": "chosen from the instrument's threshold variants (validated)",
    "screening.InstrumentLicence.instrument_id": "chosen from the instrument library (validated)",
    "screening.Response.instrument_id": "copied from the battery by code",
    "screening.Response.instrument_version": "copied from the battery by code",
    "screening.Response.variant": "copied from the battery by code",
    "screening.Answer.item_id": "validated against the instrument's items",
    "screening.Result.instrument_id": "copied from the response by code",
    "screening.Result.instrument_version": "copied from the response by code",
    "screening.ConsentRequest.token_hash": "a token digest",
    "screening.Consent.notice_hash": "a digest of the notice text",
    "counseling.Message.code_hash": "a digest of the private code",
    "schoolwork.Attachment.owner_type": "a code constant",
    "schoolwork.Attachment.content_type": "sniffed from the file's bytes by the server",
    "schoolwork.Attachment.sha256": "a digest of the file",
    "schoolwork.GuardianInvitation.token_hash": "a token digest",
    "supervision.Period.code": "computed from the period's dates ('2026-1')",
    "supervision.RollupValue.indicator": "an indicator id from supervision/indicators.yaml",
    "supervision.RollupValue.level": "a node kind written by code",
    "supervision.RollupRun.error": "an exception's text written by the rollup task",
    "supervision.InspectionItem.indicator": "copied from the indicator catalogue by code",
    "supervision.InspectionItem.requirement": "copied from the indicator catalogue by code",
    "supervision.InspectionItem.name_zh": "copied from the indicator catalogue by code",
    "supervision.InspectionItem.name_en": "copied from the indicator catalogue by code",
    "supervision.InspectionItem.status": "met / near / not_met, computed",
}

MARK = "§{}§"  # a payload's first characters name its field: §17§ is field number 17
BODIES = [  # the longest that fits the column is used
    '"><script>alert(1)</script><img src=x onerror=alert(1)>|{{7*7}}|',
    '"><img src=x onerror=alert(1)>|{{7*7}}|',
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "<b onclick=1>",
]
URL_BODY = "javascript:alert(1)//"
# What must never be in a page's HTML as written: the payload's tags unescaped, or its template evaluated.
RAW_NEVER = ["<script>alert(1)", "<img src=x", "<svg onload", "<b onclick", "|49|"]
URL_ATTRS = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}


def text_columns() -> list[models.Field]:
    """Every free-text column of the project's models: CharField/TextField (encrypted ones included), no choices."""
    from django.conf import settings

    found = []
    for model in apps.get_models():
        where = Path(model._meta.app_config.path)
        if not where.is_relative_to(settings.BASE_DIR) or "site-packages" in where.parts:
            continue  # Django's and libraries' own models (sessions, …): no user text of ours
        for f in model._meta.concrete_fields:
            if isinstance(f, models.CharField | models.TextField) and not f.choices:
                found.append(f)
    return found


def label(f: models.Field) -> str:
    return f"{f.model._meta.label}.{f.name}"


def payload(index: int, f: models.Field, row_pk: int) -> str:
    mark = MARK.format(index)
    tail = f"#{row_pk}"  # one value per row: unique columns and constraints hold
    room = (f.max_length or 10_000) - len(mark) - len(tail)
    if isinstance(f, models.URLField):
        return (URL_BODY + mark + tail)[: f.max_length]
    body = next((b for b in BODIES if len(b) <= room), None)
    assert body is not None, f"{label(f)}: too short for any payload ({f.max_length})"
    return mark + body + tail


class Findings(HTMLParser):
    """What in one page could run script: inline scripts, event-handler attributes, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script" and not named.get("src") and named.get("type") != "application/json":
            self.found.append(f"<script> without src: {attrs}")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRS and (value or "").strip().lower().replace("\t", "").startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag


def extra_rows(world, objects: dict) -> None:
    """One row of each model with user text that the matrix objects leave empty, so every column is shown."""
    from django.utils import timezone

    now = timezone.now()
    model = apps.get_model
    case = objects["cases_case"]
    semester = world.year.semesters.order_by("starts_on").first()
    day = semester.starts_on + dt.timedelta(days=5)
    model("access", "BreakGlassGrant").objects.create(
        user=world.psych_east, student=world.student_a1, granted_at=now, expires_at=now + dt.timedelta(hours=1),
        reason="x",
    )  # fmt: skip
    model("care", "LevelRecord").objects.create(
        student=world.student_a1b, level="red", note="x", source_type="case", school=world.school_a,
        confirmed_by=world.psych, confirmed_at=now, is_current=False,
    )  # fmt: skip
    model("care", "GuardianContact").objects.create(
        case=case, channel="phone", at=now, by=world.psych, guardian_name="x", outcome="x", created_at=now
    )
    model("care", "Disclosure").objects.create(
        case=case, department="police", recipient="x", legal_basis="x", shared="x", disclosed_at=now,
        recorded_by=world.psych, recorded_at=now,
    )  # fmt: skip
    model("screening", "InstrumentLicence").objects.create(
        district=world.haidian, instrument_id="phq-a", recorded_by=world.district_admin, note="x"
    )
    model("screening", "Review").objects.create(
        assignment=objects["assignment"], reviewer=world.psych, talked_at=now, outcome="x",
        confirmed_level="yellow", next_step="watch",
    )  # fmt: skip
    model("counseling", "CalendarDay").objects.create(date=day, kind="holiday", name="x")
    model("counseling", "MessageReply").objects.create(
        message=objects["centre_named_message"], author=world.district_counselor, body="x", created_at=now
    )
    model("counseling", "OnlineLine").objects.create(
        session=objects["centre_online"], from_student=True, at=now, body="x"
    )
    model("counseling", "ConfidentialityBreak").objects.create(
        session=objects["room_session"], by=world.psych, at=now, harm_to="self", reason="x", told=["guardian"]
    )
    model("counseling", "DistrictLinks").objects.create(
        district=world.haidian, platform_name="x", platform_url="https://example.invalid/", hotlines=[]
    )
    guardian = model("org", "Guardian").objects.get(user=world.guardian)
    model("schoolwork", "HomeVisit").objects.create(
        student=world.student_a1, school=world.school_a, school_class=world.a1, school_year=world.year,
        semester=semester, visited_on=day, visitors="x", mode="home", summary="x", sensitive_note="x",
        recorded_by=world.class_teacher, recorded_at=now,
    )  # fmt: skip
    model("schoolwork", "TalkRequest").objects.create(
        guardian=guardian,
        student=world.student_a1,
        school=world.school_a,
        message="x",
        key="x",
        created_at=now,
    )
    model("schoolwork", "Pilot").objects.create(
        node=world.school_a, school_year=world.year, theme="x", designated_by=world.district_officer,
        designated_at=now,
    )  # fmt: skip
    model("schoolwork", "Lesson").objects.create(
        school=world.school_a, semester=semester, school_class=world.a1, given_on=day, topic="x",
        teacher=world.psych, recorded_by=world.psych, recorded_at=now,
    )  # fmt: skip
    model("schoolwork", "LessonPlan").objects.create(
        school=world.school_a, semester=semester, grade=5, planned_hours=8, topics="x", updated_at=now
    )
    model("schoolwork", "KeyTimeActivity").objects.create(
        school=world.school_a,
        semester=semester,
        grade=5,
        key="entry",
        held_on=day,
        topic="x",
        recorded_at=now,
    )
    activity = model("schoolwork", "ClassActivity").objects.create(
        school=world.school_a, school_class=world.a1, school_year=world.year, kind="arts", held_on=day,
        title="x", recorded_at=now,
    )  # fmt: skip
    activity.participants.add(world.student_a1)
    # supervision: a step of the matrix's approval and a note on its rectification task (when the app has them).
    approval = model("supervision", "Approval").objects.first()
    period = model("supervision", "Period").objects.order_by("pk").first()
    if approval is None and period is not None:
        state = model("supervision", "Approval")._meta.get_field("state").choices[0][0]
        approval = model("supervision", "Approval").objects.create(
            node=world.school_a, period=period, state=state, changed_at=now, changed_by=world.leader
        )
    if approval is not None:
        step = model("supervision", "ApprovalStep")
        first = {
            name: step._meta.get_field(name).choices[0][0] for name in ("action", "from_state", "to_state")
        }
        step.objects.create(approval=approval, by=world.leader, at=now, reason="x", **first)
    task = model("supervision", "RectificationTask").objects.first()
    if task is not None:
        model("supervision", "TaskNote").objects.create(task=task, author=world.leader, at=now, text="x")


def fill(columns: list[models.Field]) -> dict[int, str]:
    """Write the payloads into every row of every fuzzed column; return field number → label."""
    by_model: dict[type[models.Model], list[tuple[int, models.Field]]] = {}
    numbered = {}
    for i, f in enumerate(columns):
        by_model.setdefault(f.model, []).append((i, f))
        numbered[i] = label(f)
    for model, fields in by_model.items():
        if model._meta.label == "access.AuditEvent":
            continue  # append-only (a database trigger): written fresh below
        for pk in model.objects.values_list("pk", flat=True):
            model.objects.filter(pk=pk).update(**{f.name: payload(i, f, pk) for i, f in fields})
    return numbered


def probe_audit_event(world, columns: list[models.Field]) -> None:
    """Audit events are append-only: one new event whose reason (and actor, whose name is now a payload) is text."""
    from access import audit

    reason = next(i for i, f in enumerate(columns) if label(f) == "access.AuditEvent.reason")
    world.psych.refresh_from_db()
    audit.record(actor=world.psych, action="xss.probe", student_id=world.student_a1.pk,
                 reason=payload(reason, columns[reason], 0))  # fmt: skip


def fuzz_every_text_column(world, *, keep: frozenset[str] = frozenset()) -> tuple[dict, list, dict[int, str]]:
    """The matrix objects plus one row of each empty model, every user text column (less ``keep``) filled with
    payloads. Returns the matrix objects, the fuzzed columns and field number → column label."""
    objects = _objects(world)
    extra_rows(world, objects)
    columns = [f for f in text_columns() if label(f) not in NOT_USER_TEXT and label(f) not in keep]
    empty = sorted({f.model._meta.label for f in columns if not f.model.objects.exists()})
    assert empty == [], f"models with user text but no row to show it: {empty}"
    numbered = fill(columns)
    probe_audit_event(world, columns)
    return objects, columns, numbered
