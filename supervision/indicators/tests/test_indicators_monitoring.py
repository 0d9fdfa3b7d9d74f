"""Monitoring indicators (R5.1, R5.2) on the world: who of the eligible students was screened, whether positive
screens had their second-stage review in time, and whose file has content."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from care.models import LevelRecord
from org.models import Enrollment, Node, Student
from screening.models import (
    Assignment,
    Campaign,
    CampaignStatus,
    Level,
    Response,
    ResponseStatus,
    Result,
    Review,
)
from supervision.indicators.compute.monitoring import coverage_by_grade, positive_followed_up
from supervision.indicators.models import DirtyNode
from supervision.indicators.rollup import run_full
from supervision.indicators.tests.support import assert_queries_do_not_grow, figures, period, stored

COVERAGE = "r5.1-screening-coverage"
FOLLOWED = "r5.1-positive-followed-up"
FILES = "r5.2-student-file"
NOW = timezone.now()


def _campaign(world, status=CampaignStatus.LAUNCHED) -> Campaign:
    return Campaign.objects.create(
        organiser=world.city, school_year=world.year, name="年度测评", status=status,
        starts_at=NOW - dt.timedelta(days=30), ends_at=NOW + dt.timedelta(days=30),
    )  # fmt: skip


def _assign(campaign: Campaign, student: Student) -> Assignment:
    e = Enrollment.objects.get(student=student, status="active")
    return Assignment.objects.create(
        campaign=campaign,
        student=student,
        school_id=e.school_id,
        school_class_id=e.school_class_id,
        grade=e.grade,
    )


def _screen(a: Assignment, level: str | None, days_ago: float = 0) -> Response:
    """A sheet of ``a``: open when ``level`` is None, else submitted ``days_ago`` with that suggested level."""
    if level is None:
        return Response.objects.create(assignment=a, instrument_id="phq9", instrument_version="1")
    r = Response.objects.create(
        assignment=a, instrument_id="phq9", instrument_version="1", status=ResponseStatus.SUBMITTED,
        submitted_at=NOW - dt.timedelta(days=days_ago),
    )  # fmt: skip
    Result.objects.create(response=r, instrument_id="phq9", instrument_version="1", valid=True, level=level)
    return r


def _review(world, a: Assignment, at: dt.datetime) -> Review:
    return Review.objects.create(
        assignment=a, reviewer=world.psych, talked_at=at, outcome="谈话记录", confirmed_level=Level.YELLOW,
        next_step="monitor",
    )  # fmt: skip


@pytest.fixture
def screened(world):
    """School A: 李小明 submitted (nothing flagged), 王小红 submitted red 3 days ago and was talked to 12 hours
    later, 张小华 started but did not submit (and has a level confirmed by the psychological teacher).
    School B: 赵小丽 submitted yellow 20 days ago and has had no review. School C: 陈小强 was assigned and never
    started. A draft campaign screens nobody."""
    c = _campaign(world)
    _screen(_assign(c, world.student_a1), Level.NONE, 5)
    red = _assign(c, world.student_a1b)
    _screen(red, Level.RED, 3)
    _review(world, red, NOW - dt.timedelta(days=2.5))
    _screen(_assign(c, world.student_a2), None)
    LevelRecord.objects.create(
        student=world.student_a2,
        level="yellow",
        source_type="manual",
        school=world.school_a,
        confirmed_at=NOW,
    )
    _screen(_assign(c, world.student_b1), Level.YELLOW, 20)
    _assign(c, world.student_c1)
    draft = _campaign(world, CampaignStatus.DRAFT)
    _screen(_assign(draft, world.student_c1), Level.NONE, 1)
    return c


@pytest.mark.django_db
def test_screening_coverage_counts_submitted_sheets_of_grade_4_and_up(world, screened):
    """School A screened 2 of its 3 pupils (张小华 has not submitted); B all of its 1; C none of its 1."""
    year = period(world, "")
    assert figures(COVERAGE, year, world.school_a, world.school_b, world.school_c) == [(2, 3), (1, 1), (0, 1)]
    run_full([year], [COVERAGE])
    assert stored(COVERAGE, world.haidian, year) == (3, 4)
    assert coverage_by_grade(world.school_a, year) == [{"grade": 5, "eligible": 3, "screened": 2}]
    assert stored(COVERAGE, world.city, year) == (3, 5)


@pytest.mark.django_db
def test_a_grade_3_pupil_is_not_eligible(world, screened):
    Enrollment.objects.filter(student=world.student_c1).update(grade=3)
    assert figures(COVERAGE, period(world, ""), world.school_c) == [(0, 0)]


@pytest.mark.django_db
def test_positive_screens_are_in_time_when_reviewed_within_the_levels_days(world, screened):
    """School A's red screen was reviewed within a day: 1 of 1. School B's yellow screen is 20 days old and
    unreviewed (10 days allowed): 0 of 1. Haidian 1 of 2."""
    year = period(world, "")
    assert figures(FOLLOWED, year, world.school_a, world.school_b, world.school_c) == [(1, 1), (0, 1), (0, 0)]
    run_full([year], [FOLLOWED])
    assert stored(FOLLOWED, world.haidian, year) == (1, 2)


@pytest.mark.django_db
def test_a_fresh_positive_screen_counts_only_once_reviewed_or_overdue(world):
    year = period(world, "")
    c = _campaign(world)
    a = _assign(c, world.student_c1)
    _screen(a, Level.ORANGE, 0)  # submitted now; orange allows 3 days
    school = world.school_c.pk
    assert positive_followed_up(year, None, now=NOW + dt.timedelta(days=1)).get(school) is None
    assert positive_followed_up(year, None, now=NOW + dt.timedelta(days=4))[school] == (0, 1)
    _review(world, a, NOW + dt.timedelta(days=2))
    assert positive_followed_up(year, None, now=NOW + dt.timedelta(days=1))[school] == (1, 1)


@pytest.mark.django_db
def test_a_late_review_is_not_in_time(world):
    c = _campaign(world)
    a = _assign(c, world.student_b1)
    _screen(a, Level.RED, 5)
    _review(world, a, NOW - dt.timedelta(days=2))  # 3 days after a red screen: 1 day allowed
    assert figures(FOLLOWED, period(world, ""), world.school_b) == [(0, 1)]


@pytest.mark.django_db
def test_files_with_content_hold_a_level_or_a_screening_result(world, screened):
    """School A: all 3 (two results, one confirmed level); B: 1 of 1; C: 陈小强 has no scored sheet once the
    draft campaign's trial sheet is gone — 0 of 1."""
    year = period(world, "")
    Result.objects.filter(response__assignment__campaign__status=CampaignStatus.DRAFT).delete()
    assert figures(FILES, year, world.school_a, world.school_b, world.school_c) == [(3, 3), (1, 1), (0, 1)]
    run_full([year], [FILES])
    assert stored(FILES, world.city, year) == (4, 5)


@pytest.mark.django_db
def test_a_submitted_sheet_or_a_review_marks_its_school(world):
    c = _campaign(world)
    a = _assign(c, world.student_b1)
    r = _screen(a, None)
    DirtyNode.objects.all().delete()
    r.save()  # still answering: no figure changes
    assert not DirtyNode.objects.exists()
    r.status, r.submitted_at = ResponseStatus.SUBMITTED, NOW
    r.save()
    assert set(DirtyNode.objects.values_list("node_id", flat=True)) == {world.school_b.pk}
    DirtyNode.objects.all().delete()
    _review(world, a, NOW)
    assert set(DirtyNode.objects.values_list("node_id", flat=True)) == {world.school_b.pk}


def _grow(campaign):
    def grow(school: Node) -> None:
        for i, e in enumerate(Enrollment.objects.filter(school=school)):
            a = Assignment.objects.create(campaign=campaign, student=e.student, school=school, grade=e.grade)
            _screen(a, Level.RED if i else Level.NONE, 4)

    return grow


@pytest.mark.django_db
@pytest.mark.parametrize("code", [COVERAGE, FOLLOWED, FILES])
def test_monitoring_figures_cost_the_same_queries_for_3_or_23_schools(world, screened, code):
    assert_queries_do_not_grow(code, period(world, ""), world, _grow(screened))
