"""Home–school, care-pathway, governance and five-education indicators on the world (R10–R14, R6, R7)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from care.models import Case, GuardianContact, Institution, Referral, ReferralStatus
from org.calendar.models import CalendarDay
from org.models import Node
from schoolwork.home.models import DistrictPlan, HomeVisit, LeadershipMeeting, ParentSession, PlanStatus
from schoolwork.programs.models import ActivityKind, ClassActivity, ClassDay
from supervision.indicators.compute.casework import guardians_contacted, referrals_tracked
from supervision.indicators.compute.five_ed import physical_activity_days
from supervision.indicators.compute.home import (
    classes_missing_visits,
    quarterly_meetings,
    quarters_without_meeting,
)
from supervision.indicators.models import DirtyNode
from supervision.indicators.rollup import run_full
from supervision.indicators.tests.support import assert_queries_do_not_grow, figures, period, stored

TZ = ZoneInfo("Asia/Shanghai")
NOW = timezone.now()


def _cells(got: dict, *nodes: Node) -> list:
    return [got.get(n.pk, (0, 0)) for n in nodes]


def _weekday_in_autumn(world) -> dt.datetime:
    """10:00 on the first Wednesday two weeks into the autumn semester."""
    day = world.year.semesters.get(term=1).starts_on + dt.timedelta(days=14)
    day += dt.timedelta(days=(2 - day.weekday()) % 7)
    return dt.datetime.combine(day, dt.time(10), TZ)


# --- R10 home visits, R11 parent sessions -----------------------------------------------------------------------


def _visit(world, student, cls) -> HomeVisit:
    sem = world.year.semesters.get(term=1)
    return HomeVisit.objects.create(
        student=student, school=cls.school, school_class=cls, school_year=world.year, semester=sem,
        visited_on=sem.starts_on + dt.timedelta(days=10), visitors="班主任", mode="in_person", summary="家访",
        recorded_at=NOW,
    )  # fmt: skip


@pytest.mark.django_db
def test_home_visit_coverage(world):
    """School A visited 李小明 and 张小华 but not 王小红: 2 of 3; B none of 1; C its only pupil: 1 of 1."""
    _visit(world, world.student_a1, world.a1)
    _visit(world, world.student_a2, world.a2)
    _visit(world, world.student_c1, world.c1)
    year = period(world, "")
    assert figures("r10-home-visits", year, world.school_a, world.school_b, world.school_c) == [
        (2, 3), (0, 1), (1, 1)
    ]  # fmt: skip
    run_full([year], ["r10-home-visits"])
    assert stored("r10-home-visits", world.city, year) == (3, 5)
    assert classes_missing_visits(world.school_a, year) == [
        {"class": "五年级1班", "grade": 5, "students": 2, "visited": 1}
    ]


@pytest.mark.django_db
def test_parent_sessions_this_semester(world):
    sem = world.year.semesters.get(term=1)
    DirtyNode.objects.all().delete()
    ParentSession.objects.create(
        school=world.school_a, semester=sem, held_on=sem.starts_on, title="青春期心理", created_at=NOW
    )
    assert set(DirtyNode.objects.values_list("node_id", flat=True)) == {world.school_a.pk}
    s1 = period(world, "-S1")
    assert figures("r11-parent-sessions", s1, world.school_a, world.school_b, world.school_c) == [
        (1, 1), (0, 1), (0, 1)
    ]  # fmt: skip
    # The spring semester: nothing counted before it begins.
    spring = period(world, "-S2")
    expected = [(0, 0)] if spring.starts_on > timezone.localdate() else [(0, 1)]
    assert figures("r11-parent-sessions", spring, world.school_a) == expected


# --- R12 guardians contacted, R13 referrals ------------------------------------------------------------------------


def _case(student, school, level: str, opened: dt.datetime) -> Case:
    return Case.objects.create(
        student=student, school=school, level=level, source_type="report", opened_at=opened
    )


def _contact(case: Case, at: dt.datetime) -> GuardianContact:
    return GuardianContact.objects.create(
        case=case, channel="phone", at=at, guardian_name="家长", reached=True, created_at=at
    )


@pytest.mark.django_db
def test_red_and_orange_cases_with_guardians_reached_in_time(world):
    """Four cases opened on a Wednesday at 10:00. School A: red, parents reached at 15:00 the same day (in time);
    orange, reached on Friday (a school day allowed: late); yellow, reached late (not counted: R12 asks this of
    red and orange). School B: red, parents never reached (overdue). A 1 of 2, B 0 of 1, Haidian 1 of 3."""
    t = _weekday_in_autumn(world)
    _contact(_case(world.student_a1, world.school_a, "red", t), t + dt.timedelta(hours=5))
    _contact(_case(world.student_a1b, world.school_a, "orange", t), t + dt.timedelta(days=2))
    _contact(_case(world.student_a2, world.school_a, "yellow", t), t + dt.timedelta(days=20))
    _case(world.student_b1, world.school_b, "red", t)
    s1 = period(world, "-S1")
    got = guardians_contacted(s1, None, now=t + dt.timedelta(days=30))
    assert _cells(got, world.school_a, world.school_b, world.school_c) == [(1, 2), (0, 1), (0, 0)]
    # An hour after opening, the unreached red case is still within its day: not counted yet.
    assert _cells(guardians_contacted(s1, None, now=t + dt.timedelta(hours=1)), world.school_b) == [(0, 0)]


def _referral(case: Case, status: str, *, proposed: dt.datetime, status_at: dt.datetime, appointment=None):
    inst, _ = Institution.objects.get_or_create(
        district=case.school.district, name="安定医院", defaults={"kind": "hospital", "created_at": NOW}
    )
    return Referral.objects.create(
        case=case, student=case.student, school=case.school, institution=inst, reason="需要就医", status=status,
        status_at=status_at, proposed_at=proposed, appointment_at=appointment,
    )  # fmt: skip


@pytest.mark.django_db
def test_referrals_sent_with_their_outcome_tracked(world):
    """School A: one referral with the hospital's feedback (tracked), one sent 25 days ago with no appointment
    given (14 days allowed: not tracked), one only proposed (not sent: not counted). School B: an appointment
    12 hours ago whose visit is not recorded yet (a day allowed: tracked). A 1 of 2, B 1 of 1."""
    t = _weekday_in_autumn(world)
    now = t + dt.timedelta(days=30)
    _referral(
        _case(world.student_a1, world.school_a, "red", t), ReferralStatus.FEEDBACK, proposed=t, status_at=t
    )
    sent = _referral(
        _case(world.student_a1b, world.school_a, "orange", t), ReferralStatus.SENT, proposed=t,
        status_at=now - dt.timedelta(days=25),
    )  # fmt: skip
    _referral(sent.case, ReferralStatus.PROPOSED, proposed=t, status_at=t)
    _referral(
        _case(world.student_b1, world.school_b, "red", t), ReferralStatus.APPOINTMENT, proposed=t,
        status_at=t, appointment=now - dt.timedelta(hours=12),
    )  # fmt: skip
    got = referrals_tracked(period(world, "-S1"), None, now=now)
    assert _cells(got, world.school_a, world.school_b, world.school_c) == [(1, 2), (1, 1), (0, 0)]


# --- R14 meetings and district plans --------------------------------------------------------------------------


def _meetings(world, school: Node, quarters: list[int]) -> None:
    for q in quarters:
        start = period(world, f"-Q{q}").starts_on
        LeadershipMeeting.objects.create(school=school, held_on=start + dt.timedelta(days=20), title="研究心理健康工作",
                                         created_at=NOW)  # fmt: skip


@pytest.mark.django_db
def test_leadership_meetings_every_quarter(world):
    """School A's leadership group met in all four quarters, B's only in the first, C's never."""
    _meetings(world, world.school_a, [1, 2, 3, 4])
    _meetings(world, world.school_b, [1])
    q1, q2, year = period(world, "-Q1"), period(world, "-Q2"), period(world, "")
    abc = (world.school_a, world.school_b, world.school_c)
    assert figures("r14-meetings-quarter", q1, *abc) == [(1, 1), (1, 1), (0, 1)]
    assert _cells(quarterly_meetings(q2, None, today=q2.ends_on), *abc) == [(1, 1), (0, 1), (0, 1)]
    # A quarter that has not begun asks nothing yet.
    assert quarterly_meetings(q2, None, today=q1.ends_on) == {}
    after_year = year.ends_on + dt.timedelta(days=1)
    assert _cells(quarterly_meetings(year, None, today=after_year), *abc) == [(1, 1), (0, 1), (0, 1)]
    # Before the first quarter is over nothing is counted for the year; after it, B is still on track.
    assert quarterly_meetings(year, None, today=q1.ends_on) == {}
    assert _cells(quarterly_meetings(year, None, today=q2.starts_on), *abc) == [(1, 1), (1, 1), (0, 1)]
    assert [r["met"] for r in quarters_without_meeting(world.school_b, year, today=after_year)] == [
        True, False, False, False
    ]  # fmt: skip


@pytest.mark.django_db
def test_district_plans_submitted(world):
    """Haidian submitted its plan for the year; Chaoyang's is still a draft."""
    DistrictPlan.objects.create(district=world.haidian, school_year=world.year, title="海淀方案",
                                status=PlanStatus.SUBMITTED, created_at=NOW)  # fmt: skip
    DistrictPlan.objects.create(
        district=world.chaoyang, school_year=world.year, title="朝阳方案", created_at=NOW
    )
    year = period(world, "")
    assert figures("r14-district-plan", year, world.haidian, world.chaoyang) == [(1, 1), (0, 1)]
    run_full([year], ["r14-district-plan"])
    assert stored("r14-district-plan", world.city, year) == (1, 2)


# --- R6 physical activity, R7 arts --------------------------------------------------------------------------------


def _day(cls, n: int, pe_in: int, pe_out: int) -> ClassDay:
    day = cls.school_year.semesters.get(term=1).starts_on + dt.timedelta(days=n)
    return ClassDay.objects.create(school=cls.school, school_class=cls, day=day, pe_in_school=pe_in,
                                   pe_outside=pe_out, outdoor_break=10)  # fmt: skip


def _arts(cls, *students) -> ClassActivity:
    a = ClassActivity.objects.create(school=cls.school, school_class=cls, school_year=cls.school_year,
                                     kind=ActivityKind.ARTS, held_on=cls.school_year.starts_on + dt.timedelta(days=30),
                                     title="合唱展演", recorded_at=NOW)  # fmt: skip
    a.participants.add(*students)
    return a


@pytest.mark.django_db
def test_arts_participation(world):
    """A1's choir had 李小明 and 王小红; C1's arts day had nobody signed in."""
    _arts(world.a1, world.student_a1, world.student_a1b)
    _arts(world.c1)
    abc = (world.school_a, world.school_b, world.school_c)
    assert figures("r7-arts", period(world, ""), *abc) == [(2, 3), (0, 1), (0, 1)]


def _weekdays(start: dt.date, n: int) -> list[dt.date]:
    days, day = [], start
    while len(days) < n:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


@pytest.mark.django_db
def test_every_school_day_counts_for_physical_activity_and_a_missing_day_is_missing(world):
    """Counted on the 15th day of the autumn semester: its first two weeks are over, 10 weekdays. School A gave
    its pupils the 5th weekday off (a school holiday on its calendar): 9 school days for each of its 2 classes, 18
    class days due. A1 recorded 3 full days (60/60, 70/65, 60/60) and one with 30 minutes outside; A2 recorded
    only a full Saturday, which is no school day: A counts 3 of 18. B1 recorded one day with 40 minutes
    outside: 0 of 10. C1 recorded nothing — every day missing: 0 of 10 (the old rule counted only recorded days,
    and would have given A 3 of 4 and C nothing to judge)."""
    start = world.year.semesters.get(term=1).starts_on
    days = _weekdays(start, 10)
    CalendarDay.objects.create(node=world.school_a, date=days[4], kind="holiday", name="校运动会补休")
    for day, pe_in, pe_out in ((days[0], 60, 60), (days[1], 70, 65), (days[2], 60, 60), (days[3], 60, 30)):
        ClassDay.objects.create(school=world.school_a, school_class=world.a1, day=day, pe_in_school=pe_in,
                                pe_outside=pe_out, outdoor_break=10)  # fmt: skip
    saturday = start + dt.timedelta(days=(5 - start.weekday()) % 7)
    ClassDay.objects.create(school=world.school_a, school_class=world.a2, day=saturday, pe_in_school=90,
                            pe_outside=90, outdoor_break=10)  # fmt: skip
    ClassDay.objects.create(school=world.school_b, school_class=world.b1, day=days[0], pe_in_school=60,
                            pe_outside=40, outdoor_break=10)  # fmt: skip
    p = period(world, "-S1")
    got = physical_activity_days(p, None, today=start + dt.timedelta(days=14))
    assert [got.get(s.pk) for s in (world.school_a, world.school_b, world.school_c)] == [
        (3, 18),
        (0, 10),
        (0, 10),
    ]
    assert physical_activity_days(p, None, today=start) == {}  # nothing is due on the first day


# --- queries ----------------------------------------------------------------------------------------------------


def _grow(world):
    t = _weekday_in_autumn(world)

    def grow(school: Node) -> None:
        e = school.enrollments.select_related("student", "school_class").first()
        _visit(world, e.student, e.school_class)
        case = _case(e.student, school, "red", t)
        _contact(case, t + dt.timedelta(hours=1))
        _referral(case, ReferralStatus.SENT, proposed=t, status_at=t)
        _meetings(world, school, [1, 2])
        _day(e.school_class, 1, 60, 60)
        _arts(e.school_class, e.student)
        sem = world.year.semesters.get(term=1)
        ParentSession.objects.create(
            school=school, semester=sem, held_on=sem.starts_on, title="讲座", created_at=NOW
        )

    return grow


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "suffix"),
    [("r10-home-visits", ""), ("r11-parent-sessions", "-S1"), ("r12-guardians-contacted", "-S1"),
     ("r13-referrals-tracked", "-S1"), ("r14-meetings-quarter", "-Q1"), ("r14-meetings-year", ""),
     ("r14-district-plan", ""), ("r6-physical-activity", "-S1"), ("r7-arts", "")],
)  # fmt: skip
def test_home_figures_cost_the_same_queries_for_3_or_23_schools(world, code, suffix):
    assert_queries_do_not_grow(code, period(world, suffix), world, _grow(world))
