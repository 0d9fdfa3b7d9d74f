"""Fixtures of the care tests: e-mail addresses for the people alerts go to, and a helper to raise one."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

SH = ZoneInfo("Asia/Shanghai")
# A Tuesday in term time, mid-morning: school hours all around it.
T0 = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SH)
REASONS = [{"code": "asq.acute", "text": {"zh-hans": "ASQ 第5题：是", "en": "ASQ question 5: yes"}}]


@pytest.fixture
def people(world):
    for name in ("psych", "psych_east", "leader", "district_counselor", "class_teacher"):
        u = getattr(world, name)
        u.email = f"{name}@school.example"
        u.save(update_fields=["email"])
    return world


@pytest.fixture
def raise_red(people):
    from care.alerts.services import raise_alert

    def _raise(student=None, source_id="r1", now=T0, level="red", **kw):
        return raise_alert(
            student=student or people.student_a1,
            level=level,
            reasons=REASONS,
            source_type="screening.response",
            source_id=source_id,
            now=now,
            **kw,
        )

    return _raise
