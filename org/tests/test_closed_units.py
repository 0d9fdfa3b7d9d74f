"""Closed units (撤销, issue 18) in the organisation's own lists: a school or campus closed is no longer in the
current work — the roster import finds no such school — while a unit closed after a day still counts on that day."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from org.models import ImportStatus, Node, NodeKind, Student
from xinyu.web.roster.testing import import_file, student_row, write_csv


def _close(node: Node, on: dt.date) -> None:
    Node.objects.subtree(node).update(closed_on=on)
    node.refresh_from_db()


def test_the_roster_import_names_no_closed_school_or_campus(world, tmp_path):
    today = timezone.localdate()
    _close(world.school_b, today - dt.timedelta(days=1))
    _close(world.campus_a_east, today - dt.timedelta(days=1))
    rows = [student_row(1, 学校代码="S-B", 年级="4", 班级="四年级2班"), student_row(2, 校区="东校区")]
    job = import_file(write_csv(tmp_path / "closed.csv", rows), node=world.haidian)
    assert job.status == ImportStatus.REJECTED
    assert {e["line"] for e in job.errors} == {2, 3}
    assert not Student.objects.filter(name__in=["学生1", "学生2"]).exists()


def test_a_unit_closed_later_still_counts_on_an_earlier_day(world):
    today = timezone.localdate()
    _close(world.school_b, today)
    schools = Node.objects.filter(kind=NodeKind.SCHOOL)
    assert world.school_b not in schools.open_on(today)
    assert world.school_b in schools.open_on(today - dt.timedelta(days=1))
    assert world.school_b.is_open_on(today - dt.timedelta(days=1)) and not world.school_b.is_open_on(today)
