"""Data approval (数据审核, issue 7 deliverable 4): school → district → city, each step only after the one
below, figures locked from submission until returned with a reason (audited, the level below told)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from access.models import AuditEvent
from care.models import Notification
from org.models import Post, Role, User
from supervision.approval import services
from supervision.approval.models import Approval, ApprovalState, ApprovalStep
from supervision.approval.rules import locked_node_ids
from supervision.approval.services import ApprovalError
from supervision.indicators.models import RollupValue
from supervision.indicators.periods import ensure_periods
from supervision.indicators.rollup import run_full, run_incremental

R11 = "r1.1-psych-teacher"


def _periods(world):
    return {p.code[-2:] if "-" in p.code else "Y": p for p in ensure_periods(world.year)}


@pytest.fixture
def sem(world):
    period = _periods(world)["S1"]
    run_full([period])
    return period


@pytest.fixture
def leader_b(world):
    u = User.objects.create(username="leader_b", display_name="育英校长")
    Post.objects.create(user=u, role=Role.SCHOOL_LEADER, node=world.school_b)
    return u


def _value(node, period, code=R11) -> tuple[int, int]:
    v = RollupValue.objects.get(indicator=code, node=node, period=period)
    return v.numerator, v.denominator


def _state(node, period) -> str:
    a = Approval.objects.filter(node=node, period=period).first()
    return a.state if a else ApprovalState.DRAFT


def _whole_chain(world, sem, leader_b):
    services.submit(user=world.leader, school=world.school_a, period=sem)
    services.approve(user=world.district_officer, node=world.school_a, period=sem)
    services.submit(user=leader_b, school=world.school_b, period=sem)
    services.approve(user=world.district_admin, node=world.school_b, period=sem)
    services.approve(user=world.district_officer, node=world.haidian, period=sem)
    services.accept(user=world.city_officer, district=world.haidian, period=sem)


@pytest.mark.django_db
def test_approval_runs_school_to_district_to_city_and_locks_the_figures(world, sem, leader_b):
    assert _value(world.school_a, sem) == (1, 1)  # school A has a full-time psychological teacher

    _whole_chain(world, sem, leader_b)

    assert _state(world.school_a, sem) == _state(world.school_b, sem) == ApprovalState.APPROVED
    assert _state(world.haidian, sem) == ApprovalState.ACCEPTED
    assert {world.school_a.pk, world.school_b.pk, world.haidian.pk} <= locked_node_ids(sem)
    assert world.school_c.pk not in locked_node_ids(sem)
    # The teacher leaves after the figures were accepted: neither run changes the accepted figures.
    Post.objects.filter(role=Role.PSYCH_TEACHER).delete()
    run_incremental([sem])
    run_full([sem])
    assert _value(world.school_a, sem) == (1, 1)
    assert _value(world.haidian, sem) == (1, 2)
    assert _value(world.city, sem) == (1, 3)  # the city's own figure is a sum, never locked


@pytest.mark.django_db
def test_a_submitted_schools_figures_are_a_snapshot_until_returned(world, sem):
    services.submit(user=world.leader, school=world.school_a, period=sem)
    step = ApprovalStep.objects.get(approval__node=world.school_a)
    assert step.figures[R11] == [1, 1]  # the history keeps the figures as submitted

    Post.objects.filter(role=Role.PSYCH_TEACHER).delete()  # both of school A's; marks it dirty
    run_incremental([sem])
    assert _value(world.school_a, sem) == (1, 1)
    run_full([sem])
    assert _value(world.school_a, sem) == (1, 1)

    services.return_for_correction(
        user=world.district_officer, node=world.school_a, period=sem, reason="心理教师已调离，请更新后重报"
    )
    run_incremental([sem])
    assert _value(world.school_a, sem) == (0, 1)
    assert _value(world.haidian, sem) == (0, 2)


@pytest.mark.django_db
def test_a_quarter_is_never_locked(world, sem):
    services.submit(user=world.leader, school=world.school_a, period=sem)
    quarter = _periods(world)["Q1"]
    assert locked_node_ids(quarter) == set()
    with pytest.raises(ApprovalError, match="只有学期和学年"):
        services.submit(user=world.leader, school=world.school_a, period=quarter)


@pytest.mark.django_db
def test_submitting_twice_is_one_submission(world, sem):
    services.submit(user=world.leader, school=world.school_a, period=sem)
    services.submit(user=world.leader, school=world.school_a, period=sem)
    assert ApprovalStep.objects.filter(approval__node=world.school_a).count() == 1
    assert AuditEvent.objects.filter(action="supervision.submit").count() == 1


@pytest.mark.django_db
def test_the_district_cannot_approve_a_school_that_has_not_submitted(world, sem):
    with pytest.raises(ApprovalError, match="尚未提交本期数据"):
        services.approve(user=world.district_officer, node=world.school_a, period=sem)
    assert _state(world.school_a, sem) == ApprovalState.DRAFT


@pytest.mark.django_db
def test_the_district_approves_itself_only_when_all_its_schools_are_approved(world, sem):
    services.submit(user=world.leader, school=world.school_a, period=sem)
    services.approve(user=world.district_officer, node=world.school_a, period=sem)
    with pytest.raises(ApprovalError, match="还有 1 所学校"):
        services.approve(user=world.district_officer, node=world.haidian, period=sem)
    assert _state(world.haidian, sem) == ApprovalState.DRAFT


@pytest.mark.django_db
def test_the_city_cannot_accept_a_district_with_an_unapproved_school(world, sem):
    services.submit(user=world.leader, school=world.school_a, period=sem)
    services.approve(user=world.district_officer, node=world.school_a, period=sem)
    with pytest.raises(ApprovalError, match="不能验收"):
        services.accept(user=world.city_officer, district=world.haidian, period=sem)
    assert _state(world.haidian, sem) == ApprovalState.DRAFT


@pytest.mark.django_db
def test_an_officer_of_another_district_gets_404_and_other_roles_403(world, sem):
    services.submit(user=world.leader, school=world.school_a, period=sem)
    with pytest.raises(Http404):
        services.approve(user=world.other_district_officer, node=world.school_a, period=sem)
    with pytest.raises(PermissionDenied):
        services.approve(user=world.city_officer, node=world.school_a, period=sem)
    with pytest.raises(PermissionDenied):
        services.submit(user=world.psych, school=world.school_a, period=sem)
    with pytest.raises(PermissionDenied):
        services.accept(user=world.district_officer, district=world.haidian, period=sem)
    assert _state(world.school_a, sem) == ApprovalState.SUBMITTED


@pytest.mark.django_db
def test_returning_needs_a_reason_is_audited_and_tells_the_school(world, sem):
    services.submit(user=world.leader, school=world.school_a, period=sem)
    with pytest.raises(ApprovalError, match="请填写退回原因"):
        services.return_for_correction(
            user=world.district_officer, node=world.school_a, period=sem, reason=" "
        )
    assert _state(world.school_a, sem) == ApprovalState.SUBMITTED

    services.return_for_correction(
        user=world.district_officer, node=world.school_a, period=sem, reason="家访数据缺东校区"
    )

    assert _state(world.school_a, sem) == ApprovalState.DRAFT
    event = AuditEvent.objects.get(action="supervision.unapprove")
    assert event.actor_id == world.district_officer.pk and event.reason == "家访数据缺东校区"
    step = ApprovalStep.objects.filter(approval__node=world.school_a).last()
    assert (step.action, step.by_id, step.reason) == ("return", world.district_officer.pk, "家访数据缺东校区")
    note = Notification.objects.get(user=world.leader, kind="supervision.approval")
    assert "家访数据缺东校区" in note.subject and f"/approval/school/{world.school_a.pk}/" in note.url


@pytest.mark.django_db
def test_a_school_cannot_be_returned_while_its_district_is_approved(world, sem, leader_b):
    _whole_chain(world, sem, leader_b)
    with pytest.raises(ApprovalError, match="请先撤销区级审核"):
        services.return_for_correction(
            user=world.district_officer, node=world.school_a, period=sem, reason="x"
        )
    with pytest.raises(ApprovalError, match="只有市级可以退回"):
        services.return_for_correction(
            user=world.district_officer, node=world.haidian, period=sem, reason="x"
        )

    services.return_for_correction(
        user=world.city_officer, node=world.haidian, period=sem, reason="区级数据有误"
    )
    assert _state(world.haidian, sem) == ApprovalState.DRAFT
    assert Notification.objects.filter(user=world.district_officer, kind="supervision.approval").exists()
    services.return_for_correction(
        user=world.district_officer, node=world.school_a, period=sem, reason="重报"
    )
    assert _state(world.school_a, sem) == ApprovalState.DRAFT
    assert AuditEvent.objects.filter(action="supervision.unapprove").count() == 2
