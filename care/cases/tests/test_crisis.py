"""The crisis protocol of a red case (危机干预): a checklist with deadlines (settings, DESIGN.md defaults), each
step done with its time or left out with a reason; a missed step climbs to the school leader, then the district
counseling centre — on a frozen clock, through the same timer as alerts."""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command
from django.test import override_settings

from care.cases import services as svc
from care.conftest import SH, T0
from care.models import CaseEvent, CrisisStep, CrisisStepKind, Notification

MIN = dt.timedelta(minutes=1)


def _red_case(people, now=T0):
    case, _ = svc.open_case(
        student=people.student_a1, level="red", by=people.psych, reason="ASQ 阳性", now=now
    )
    return case


def _due(case):
    return dict(CrisisStep.objects.filter(case=case).values_list("kind", "due_at"))


def _told(kind="care.crisis.late"):
    return sorted(
        Notification.objects.filter(kind=kind, channel="in_app").values_list("user__username", flat=True)
    )


def test_a_red_case_gets_the_checklist_with_the_default_deadlines(people):
    due = _due(_red_case(people))
    assert due == {
        CrisisStepKind.ACCOMPANIED: T0 + 15 * MIN,
        CrisisStepKind.LEADER: T0 + 30 * MIN,
        CrisisStepKind.MEANS: T0 + 120 * MIN,
        CrisisStepKind.GUARDIAN: dt.datetime(2026, 3, 10, 23, 59, tzinfo=SH),  # the same day
        CrisisStepKind.SAFETY_PLAN: T0 + dt.timedelta(hours=24),
        CrisisStepKind.REFERRAL: T0 + dt.timedelta(hours=24),
    }


def test_an_orange_case_has_no_checklist_until_it_turns_red(people):
    case, _ = svc.open_case(student=people.student_a1, level="orange", by=people.psych, reason="r", now=T0)
    assert not CrisisStep.objects.filter(case=case).exists()
    svc.change_level(case=case, level="red", by=people.psych, reason="出现计划", now=T0 + 10 * MIN)
    assert _due(case)[CrisisStepKind.ACCOMPANIED] == T0 + 25 * MIN


@override_settings(XINYU_CRISIS_STEP_DEADLINES={"guardian": {"minutes": 60, "clock": "wall"}})
def test_the_deadlines_are_settings(people):
    assert _due(_red_case(people))[CrisisStepKind.GUARDIAN] == T0 + 60 * MIN


def test_a_missed_step_goes_to_the_leader_then_the_district_which_then_sees_the_case(people):
    case = _red_case(people)
    assert svc.escalate_missed_crisis_steps(now=T0 + 14 * MIN) == 0
    assert svc.escalate_missed_crisis_steps(now=T0 + 16 * MIN) == 1  # "accompanied" is late
    assert _told() == ["leader"]
    assert svc.escalate_missed_crisis_steps(now=T0 + 17 * MIN) == 0  # idempotent
    # An hour after its deadline (settings default) the step, still not done, goes to the district.
    assert svc.escalate_missed_crisis_steps(now=T0 + 74 * MIN) == 1  # "leader" (due +30) reaches the leader
    assert svc.escalate_missed_crisis_steps(now=T0 + 76 * MIN) == 1  # "accompanied" reaches the district
    case.refresh_from_db()
    assert case.escalated_at == T0 + 76 * MIN
    assert "district_counselor" in _told() and "district_counselor" in _told("care.case.escalated")
    assert CaseEvent.objects.filter(case=case, kind="escalated").count() == 1


def test_a_step_done_in_time_never_escalates(people):
    case = _red_case(people)
    svc.record_crisis_step(case=case, kind=CrisisStepKind.ACCOMPANIED, by=people.psych, now=T0 + 5 * MIN)
    svc.record_crisis_step(case=case, kind=CrisisStepKind.LEADER, by=people.psych, now=T0 + 5 * MIN)
    assert svc.escalate_missed_crisis_steps(now=T0 + 100 * MIN) == 0
    step = CrisisStep.objects.get(case=case, kind=CrisisStepKind.ACCOMPANIED)
    assert (step.done_at, step.done_by) == (T0 + 5 * MIN, people.psych)


def test_a_step_left_out_needs_a_reason(people):
    case = _red_case(people)
    try:
        svc.record_crisis_step(case=case, kind=CrisisStepKind.REFERRAL, by=people.psych, done=False, now=T0)
    except svc.CaseError:
        pass
    else:
        raise AssertionError("a step left out without a reason was accepted")
    assert CrisisStep.objects.get(case=case, kind=CrisisStepKind.REFERRAL).skipped_at is None
    svc.record_crisis_step(
        case=case,
        kind=CrisisStepKind.REFERRAL,
        by=people.psych,
        done=False,
        reason="评估后无需紧急转介",
        now=T0,
    )
    assert CrisisStep.objects.get(case=case, kind=CrisisStepKind.REFERRAL).is_resolved


def test_the_escalate_alerts_command_runs_the_case_timers(people, frozen_clock):
    from conftest import school_day_at

    # In school time: late at night the guardian step's end-of-day deadline would be past as well.
    now = frozen_clock(school_day_at(10))
    _red_case(people, now=now - 20 * MIN)  # "accompanied" was due five minutes ago
    call_command("escalate_alerts")
    assert _told() == ["leader"]
