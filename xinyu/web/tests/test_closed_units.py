"""Closed units (撤销, issue 18) on the everyday lists: the school list, its campuses and this year's classes leave
out a closed school or campus; last year's classes of it stay in the class list (history)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from org.models import Node, SchoolClass, SchoolYear


def _close(node: Node, on: dt.date) -> None:
    Node.objects.subtree(node).update(closed_on=on)


def test_the_school_and_class_lists_leave_out_a_closed_school_and_campus(world, login):
    today = timezone.localdate()
    last_year = SchoolYear.objects.create(
        start_year=world.year.start_year - 1,
        starts_on=dt.date(world.year.start_year - 1, 9, 1),
        ends_on=dt.date(world.year.start_year, 8, 31),
    )
    old = SchoolClass.objects.create(
        school=world.school_b, campus=world.campus_b, school_year=last_year, grade=3, name="三年级9班"
    )
    _close(world.school_b, today)
    _close(world.campus_a_east, today)
    client = login(world.district_admin)
    schools = client.get(reverse("org:school_list")).content.decode()
    assert world.school_a.name in schools and world.school_b.name not in schools
    assert "本部" in schools and "东校区" not in schools
    classes = client.get(reverse("org:class_list")).content.decode()
    assert world.a1.name in classes
    assert world.a2.name not in classes  # this year's class on the closed east campus
    assert world.b1.name not in classes  # this year's class of the closed school
    assert old.name in classes  # last year's class of the closed school: history
