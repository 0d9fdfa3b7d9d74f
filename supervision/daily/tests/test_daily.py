"""The daily board of district and city officers (今日待办, issue 20 build 2): what needs them today, counted
across their schools, each count opening its list by school (district) or by district (city); counts about
students audited above the school; a fixed number of queries whatever the number of schools."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from care.models import Alert, Case, Plan
from org.models import Node, NodeKind, Post, Role, SchoolStage
from screening.models import Assignment, Campaign, CampaignStatus, Response, ResponseStatus
from supervision.approval.models import Approval, ApprovalState
from supervision.daily.selectors import daily_board
from supervision.indicators.periods import ensure_periods

pytestmark = pytest.mark.django_db


def _alerts(student, school, n: int, *, deadline: dt.datetime, tag: str = "x", **kw) -> None:
    for i in range(n):
        Alert.objects.create(
            student=student, school=school, level="red", reasons=[], source_type="test", source_id=f"{tag}{i}",
            raised_at=deadline - dt.timedelta(hours=1), ack_deadline=deadline, **kw,
        )  # fmt: skip


def _board_as(user):
    user.__dict__.pop("_xinyu_posts", None)
    return daily_board(user)


def _texts(board, key: str) -> dict[str, str]:
    line = board.line(key)
    return {r.node.name: r.text for r in line.rows} | {"total": line.text}


def test_alerts_past_their_deadline_are_counted_and_those_still_in_time_or_taken_up_are_not(world):
    past = timezone.now() - dt.timedelta(minutes=5)
    _alerts(world.student_a1, world.school_a, 7, deadline=past)
    _alerts(
        world.student_a1, world.school_a, 2, deadline=timezone.now() + dt.timedelta(hours=1), tag="future"
    )
    _alerts(world.student_a1, world.school_a, 1, deadline=past, tag="ack", acknowledged_at=past)
    _alerts(world.student_a2, world.school_a, 1, deadline=past, tag="closed", closed_at=past)
    _alerts(world.student_b1, world.school_b, 6, deadline=past, tag="b")
    board = _board_as(world.district_officer)
    assert _texts(board, "alerts_overdue") == {"第一实验学校": "7", "育英学校": "6", "total": "13"}
    assert board.line("alerts_overdue").needs_attention


def test_a_small_count_of_alerts_reads_under_five_and_cannot_be_worked_out_from_the_total(world):
    past = timezone.now() - dt.timedelta(minutes=5)
    _alerts(world.student_a1, world.school_a, 8, deadline=past)
    _alerts(world.student_b1, world.school_b, 2, deadline=past, tag="b")
    shown = _texts(_board_as(world.district_officer), "alerts_overdue")
    assert shown["育英学校"] == "<5"
    # 8 beside a total of 10 would give 育英's 2 back: one of the two is hidden as well.
    assert shown["第一实验学校"] == "×" or shown["total"] in {"<5", "×"}
    # Zero is small too: a district with none reads "<5", never "0" (hidden never means "at least 1").
    assert _texts(_board_as(world.other_district_officer), "alerts_overdue")["total"] == "<5"


def test_red_cases_without_a_plan_are_counted_not_those_with_one_closed_or_orange(world):
    from care.models import CaseStatus

    def case(student, school, level="red", status=CaseStatus.OPEN):
        return Case.objects.create(
            student=student,
            school=school,
            level=level,
            status=status,
            source_type="report",
            opened_at=timezone.now(),
        )

    for s in (world.student_a1, world.student_a1b, world.student_a2):
        case(s, world.school_a)
    with_plan = case(world.student_b1, world.school_b)
    now = timezone.now()
    Plan.objects.create(case=with_plan, created_at=now, updated_at=now)
    case(world.student_c1, world.school_c, level="orange")
    board = _board_as(world.city_officer)
    # The city: by district, 海淀's 3 under 5.
    assert _texts(board, "red_cases_without_plan")["海淀区"] == "<5"
    assert _texts(board, "red_cases_without_plan")["朝阳区"] == "<5"
    Case.objects.filter(student=world.student_a2).update(status=CaseStatus.CLOSED)
    from supervision.daily.selectors import _red_cases_without_plan

    assert _red_cases_without_plan(world.haidian, "school_id") == {world.school_a.pk: 2}


def test_schools_without_a_full_time_psychological_teacher_by_school_and_by_district(world):
    board = _board_as(world.district_officer)
    # School A has full-time psychological teachers (at the school and its east campus); 育英 has none.
    assert _texts(board, "schools_without_psych_teacher") == {
        "第一实验学校": "0",
        "育英学校": "1",
        "total": "1",
    }
    Post.objects.filter(role=Role.PSYCH_TEACHER).update(full_time=False)  # part-time does not count (R1.1)
    assert _board_as(world.district_officer).line("schools_without_psych_teacher").text == "2"
    city = _board_as(world.city_officer)
    assert city.by_district
    assert _texts(city, "schools_without_psych_teacher") == {"海淀区": "2", "朝阳区": "1", "total": "3"}


def _campaign(world, *, started_days: float, lasts_days: float) -> Campaign:
    now = timezone.now()
    return Campaign.objects.create(
        organiser=world.haidian, school_year=world.year, name="春季测评", grade_from=4, grade_to=9,
        starts_at=now - dt.timedelta(days=started_days),
        ends_at=now - dt.timedelta(days=started_days) + dt.timedelta(days=lasts_days),
        status=CampaignStatus.LAUNCHED,
    )  # fmt: skip


def _assign(campaign, student, school, grade, *, finished: bool) -> Assignment:
    a = Assignment.objects.create(campaign=campaign, student=student, school=school, grade=grade)
    status = ResponseStatus.SUBMITTED if finished else ResponseStatus.OPEN
    Response.objects.create(assignment=a, instrument_id="phq-9", instrument_version="1.0", status=status)
    return a


def test_a_school_is_behind_when_more_than_half_the_window_is_gone_and_fewer_than_half_have_finished(world):
    c = _campaign(world, started_days=6, lasts_days=10)  # 60 % of the window has passed
    _assign(c, world.student_a1, world.school_a, 5, finished=False)
    _assign(c, world.student_a1b, world.school_a, 5, finished=False)
    _assign(c, world.student_a2, world.school_a, 5, finished=True)  # 1 of 3 finished
    _assign(c, world.student_b1, world.school_b, 4, finished=True)  # 1 of 1
    assert _texts(_board_as(world.district_officer), "campaigns_behind") == {
        "第一实验学校": "1", "育英学校": "0", "total": "1",
    }  # fmt: skip
    # Early in the window nobody is behind yet; a closed window is not "behind" any more either.
    Campaign.objects.filter(pk=c.pk).update(starts_at=timezone.now() - dt.timedelta(days=2))
    assert _board_as(world.district_officer).line("campaigns_behind").text == "0"


def test_figures_waiting_for_approval_are_the_districts_queue_and_the_citys(world):
    period = next(p for p in ensure_periods(world.year) if p.code.endswith("-S1"))
    now = timezone.now()
    Approval.objects.create(node=world.school_b, period=period, state=ApprovalState.SUBMITTED, changed_at=now)
    Approval.objects.create(node=world.school_a, period=period, state=ApprovalState.DRAFT, changed_at=now)
    Approval.objects.create(node=world.chaoyang, period=period, state=ApprovalState.APPROVED, changed_at=now)
    assert _texts(_board_as(world.district_officer), "approvals_waiting") == {
        "第一实验学校": "0", "育英学校": "1", "total": "1",
    }  # fmt: skip
    assert _texts(_board_as(world.city_officer), "approvals_waiting") == {
        "海淀区": "0",
        "朝阳区": "1",
        "total": "1",
    }


def _more_schools(world, n: int) -> None:
    past = timezone.now() - dt.timedelta(minutes=5)
    for i in range(n):
        school = Node.objects.create(
            kind=NodeKind.SCHOOL,
            parent=world.haidian,
            name=f"加测学校{i}",
            code=f"S-X{i}",
            stage=SchoolStage.PRIMARY,
        )
        _alerts(world.student_a1, school, 1, deadline=past, tag=f"s{i}-")


@pytest.mark.parametrize("who", ["district_officer", "city_officer"])
def test_the_board_costs_the_same_queries_for_two_schools_or_twenty(world, who):
    user = getattr(world, who)
    ensure_periods(world.year)
    _board_as(user)  # warm caches (content types …)
    with CaptureQueriesContext(connection) as few:
        _board_as(user)
    _more_schools(world, 18)
    with CaptureQueriesContext(connection) as many:
        _board_as(user)
    assert len(many) == len(few) <= 10  # the posts, the rows, the current period (3), one per item (5)


def test_the_home_page_of_the_district_officer_answers_what_needs_them_today(world, client):
    past = timezone.now() - dt.timedelta(minutes=5)
    _alerts(world.student_a1, world.school_a, 6, deadline=past)
    _alerts(world.student_b1, world.school_b, 5, deadline=past, tag="b")
    client.force_login(world.district_officer)
    page = client.get("/").content.decode()
    assert "今日待办" in page
    assert "逾期未响应的预警" in page
    assert "/supervision/today/alerts_overdue/" in page
    drill = client.get("/supervision/today/alerts_overdue/").content.decode()
    assert "第一实验学校" in drill and "育英学校" in drill
    assert "李小明" not in drill  # counts only, no student named


def test_the_city_officer_sees_districts_not_schools(world, client):
    past = timezone.now() - dt.timedelta(minutes=5)
    _alerts(world.student_a1, world.school_a, 6, deadline=past)
    client.force_login(world.city_officer)
    drill = client.get("/supervision/today/alerts_overdue/").content.decode()
    assert "海淀区" in drill and "朝阳区" in drill
    assert "第一实验学校" not in drill and "育英学校" not in drill


def test_no_board_for_a_school_leader_or_a_teacher(world, client):
    for persona in ("leader", "teacher", "district_admin"):
        client.force_login(getattr(world, persona))
        assert "/supervision/today/" not in client.get("/").content.decode()
        assert client.get("/supervision/today/alerts_overdue/").status_code == 403


def test_an_unknown_item_is_not_found(world, client):
    client.force_login(world.district_officer)
    assert client.get("/supervision/today/no_such_item/").status_code == 404
