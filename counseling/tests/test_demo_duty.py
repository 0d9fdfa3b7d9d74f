"""seed_demo shows the off-hours route working (issue 15): the district centre has a counselor on duty tonight, the
demo district has its own line, and the demo school's psychological teacher is on its room roster in school time."""

from __future__ import annotations

import datetime as dt
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from care.alerts import deadlines, responders
from counseling.centre.services import on_duty
from org.demo.logins import DEMO_DISTRICT_CODE, DEMO_SCHOOL_CODE
from org.models import Node, NodeKind


def test_after_seed_demo_a_night_answer_has_a_counselor_on_duty_and_the_school_a_roster(db):
    call_command("seed_demo", students=200, seed=1, not_production=True, stdout=StringIO())
    district = Node.objects.get(kind=NodeKind.DISTRICT, code=DEMO_DISTRICT_CODE)
    school = Node.objects.get(kind=NodeKind.SCHOOL, code=DEMO_SCHOOL_CODE)
    today = timezone.localdate()
    for k in range(3):  # tonight and the next nights, late and early
        night = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=k), dt.time(22, 42)))
        assert [u.username for u in on_duty(district, night)] == ["district_counselor"]
        assert on_duty(district, night + dt.timedelta(hours=8))
        assert not responders.responder_available(school, night)
    numbers = [line["number"] for line in responders.crisis_lines(school)]
    assert numbers[:2] == ["12356", "12355"] and "010-62345678" in numbers
    calendar = deadlines.SchoolCalendar(today)
    day = next(d for d in (today + dt.timedelta(days=k) for k in range(1, 15)) if calendar.is_school_day(d))
    ten = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
    assert [u.username for u in responders.school_responders(school, ten)][:1] == ["psych"]
