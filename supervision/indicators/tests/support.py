"""Shared by the indicator tests (test_indicators_*.py): the world's periods, one indicator computed the way
the rollup calls it, the stored rollup of a node, and the check that more schools cost no more queries."""

from __future__ import annotations

import datetime as dt
import itertools

from django.db import connection
from django.test.utils import CaptureQueriesContext

from org.models import Enrollment, Node, NodeKind, SchoolClass, SchoolStage, Student
from supervision.indicators import catalogue
from supervision.indicators.models import Period, RollupValue
from supervision.indicators.periods import ensure_periods

_seq = itertools.count(1)


def period(world, code_suffix: str) -> Period:
    """The world's period whose code ends with ``code_suffix``: "-S1", "-S2", "-Q1" … or "" for the year."""
    for p in ensure_periods(world.year):
        if (code_suffix and p.code.endswith(code_suffix)) or (not code_suffix and p.kind == "school_year"):
            return p
    raise LookupError(code_suffix)


def compute(code: str, p: Period, node_ids=None) -> dict[int, tuple[int, int]]:
    ind = catalogue.get(code)
    return ind.compute_fn(p, None if node_ids is None else set(node_ids))


def figures(code: str, p: Period, *nodes: Node) -> list[tuple[int, int]]:
    """The figures of each node as computed (missing = 0/0), in the order given."""
    got = compute(code, p)
    return [got.get(n.pk, (0, 0)) for n in nodes]


def stored(code: str, node: Node, p: Period) -> tuple[int, int]:
    v = RollupValue.objects.get(indicator=code, node=node, period=p)
    return v.numerator, v.denominator


def add_school(world, district: Node | None = None, *, students: int = 1, grade: int = 5) -> Node:
    """A new school with one campus, one class of ``grade`` and ``students`` enrolled students."""
    n = next(_seq)
    school = Node.objects.create(
        kind=NodeKind.SCHOOL, parent=district or world.haidian, name=f"新学校{n}", code=f"T-{n}",
        stage=SchoolStage.TWELVE_YEAR,
    )  # fmt: skip
    campus = Node.objects.create(kind=NodeKind.CAMPUS, parent=school, name="本部", code=f"T-{n}-1")
    cls = SchoolClass.objects.create(
        school=school, campus=campus, school_year=world.year, grade=grade, name=f"{grade}年级{n}班"
    )
    made = Student.objects.bulk_create(
        [
            Student(
                student_no=f"T{n:05d}{i:06d}", name=f"学生{n}-{i}", gender="M", birth_date=dt.date(2014, 1, 1)
            )
            for i in range(students)
        ]
    )
    Enrollment.objects.bulk_create(
        [
            Enrollment(student=s, school=school, school_class=cls, school_year=world.year, grade=grade)
            for s in made
        ]
    )
    return school


def queries_of(code: str, p: Period) -> int:
    with CaptureQueriesContext(connection) as ctx:
        compute(code, p)
    return len(ctx.captured_queries)


def assert_queries_do_not_grow(code: str, p: Period, world, grow=None) -> None:
    """Computing ``code`` for all nodes costs the same number of queries with 20 more schools (and, for a
    district indicator, 5 more districts); ``grow(school)`` may add records to each new school."""
    compute(code, p)  # warm: the period's semester, once per period object
    few = queries_of(code, p)
    for i in range(20):
        school = add_school(world, world.haidian if i % 2 else world.chaoyang, students=2)
        if grow:
            grow(school)
    if catalogue.get(code).level == "district":
        for i in range(5):
            Node.objects.create(
                kind=NodeKind.DISTRICT, parent=world.city, name=f"新区{i}", code=f"D-{next(_seq)}"
            )
    many = queries_of(code, p)
    assert many == few, (few, many)
