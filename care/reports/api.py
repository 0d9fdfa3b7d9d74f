"""Abnormality reports in the JSON API (issue 4, R2.3): the phone client's quick student picker, filing a report
and the reporter's own reports. Same services as the pages, so the rules are the same: another school's student
is 404 with nothing stored, bad input 400 with nothing stored, a retried submit (same key) returns the first
report, and the reporter only ever learns "received" or "handled"."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from access.api import MAX_ID, caller
from access.routes import policy
from access.tiers import Tier
from care.models import ReportCategory, ReportUrgency
from care.reports import selectors, services
from org.models import Student

router = Router(tags=["care"])


class PickedStudent(Schema):
    id: int
    name: str
    class_name: str


class ReportIn(Schema):
    student_id: int = Field(ge=1, le=MAX_ID)
    category: str = Field(max_length=16, description=f"One of {', '.join(ReportCategory.values)}")
    observed: str = Field(
        max_length=services.OBSERVED_MAX, description="What the reporter saw (stored encrypted)"
    )
    urgency: str = Field(max_length=8, description=f"One of {', '.join(ReportUrgency.values)}")
    key: str = Field(
        min_length=1, max_length=64, description="Idempotency key: a retry returns the first report"
    )


class ReportState(Schema):
    id: int
    student_name: str
    reported_at: dt.datetime
    state: str = Field(description='"received" or "handled" — never the outcome')


def _staff(request: HttpRequest):
    user = caller(request)
    if not services.may_report(user):
        raise HttpError(403, "Forbidden")
    return user


@router.get(
    "/care/report-students",
    response=list[PickedStudent],
    url_name="api_care_report_students",
    summary="Find a student of my school to report on (name and class only)",
)
@policy(Tier.T1, "student", "any staff member: students of their school, name and class only")
def report_students(request: HttpRequest, q: str = Query("", max_length=50)) -> list[dict]:
    user = _staff(request)
    found = selectors.pick_students(services.reportable_students(user), q)
    return [{"id": s["pk"], "name": s["name"], "class_name": s["class_name"]} for s in found]


@router.post(
    "/care/reports",
    response={201: ReportState, 200: ReportState},
    url_name="api_care_report_create",
    summary="File an abnormality report (学生异常情况报告)",
)
@policy(
    Tier.T1,
    "student",
    "any staff member, a student of their school; the class teacher and psych teachers told",
)
def report_create(request: HttpRequest, payload: ReportIn):
    user = _staff(request)
    try:
        report, created = services.file_report(
            reporter=user,
            student_id=payload.student_id,
            category=payload.category,
            observed=payload.observed,
            urgency=payload.urgency,
            key=payload.key,
        )
    except Student.DoesNotExist:
        raise HttpError(404, "Not found") from None
    except services.ReportError as exc:
        raise HttpError(400, str(exc)) from None
    return 201 if created else 200, _state(report)


@router.get(
    "/care/reports/mine",
    response=list[ReportState],
    url_name="api_care_report_mine",
    summary="My reports: received or handled",
)
@policy(None, "self", "the reports the caller filed: student name and state only")
def report_mine(request: HttpRequest) -> list[dict]:
    user = _staff(request)
    return [_state(r) for r in selectors.my_reports(user)[:100]]


def _state(report) -> dict:
    return {
        "id": report.pk,
        "student_name": report.student.name,
        "reported_at": report.reported_at,
        "state": "handled" if report.triaged_at else "received",
    }
