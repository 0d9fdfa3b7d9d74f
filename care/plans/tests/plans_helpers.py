"""Shared fixtures of the plans, contacts and referral tests: a case, a partner hospital with a clinician, and a
clinician of another hospital. Each test module imports the fixture functions it uses (``case_fixture`` provides
the fixture ``case``)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

SH = ZoneInfo("Asia/Shanghai")
TUE = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SH)  # a Tuesday in term time, mid-morning


def open_case(world, student=None, level: str = "orange", now: dt.datetime = TUE, actor="psych"):
    from care.cases.services import open_or_update_case

    case, _created = open_or_update_case(
        student=student or world.student_a1, level=level, source_type="other",
        actor=getattr(world, actor) if actor else None, now=now,
    )  # fmt: skip
    return case


def close(case) -> None:
    from care.models import Case, CaseStatus

    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, closed_at=TUE)
    case.refresh_from_db()


@pytest.fixture(name="case")
def case_fixture(world):
    return open_case(world)


@pytest.fixture(name="hospital")
def hospital_fixture(world):
    from care.models import Institution, InstitutionMember

    inst = Institution.objects.create(
        district=world.haidian, name="北京安定医院", kind="hospital", created_at=TUE
    )
    InstitutionMember.objects.create(institution=inst, user=world.clinician, added_at=TUE)
    return inst


@pytest.fixture(name="other_clinician")
def other_clinician_fixture(world):
    """A clinician of another 海淀 hospital."""
    from care.models import Institution, InstitutionMember
    from org.models import Post, Role, User

    user = User.objects.create(username="other_clinician", display_name="六院医生")
    Post.objects.create(user=user, role=Role.INSTITUTION_CLINICIAN, node=world.city)
    inst = Institution.objects.create(
        district=world.haidian, name="北大六院", kind="hospital", created_at=TUE
    )
    InstitutionMember.objects.create(institution=inst, user=user, added_at=TUE)
    return user
