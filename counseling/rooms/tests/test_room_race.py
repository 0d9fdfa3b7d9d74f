"""No double booking, enforced by the database (issue 5 item 1, Done when: the booking-race test).

On PostgreSQL, students in parallel threads (one connection each) book the same slot at the same moment:
exactly one wins, every other gets the clear "someone has just booked this time" refusal, and the slot holds
one appointment. SQLite's in-memory test database cannot be shared by threads; there the same requests run one
after another against the same constraint."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from conftest import build_world
from counseling.rooms import services
from counseling.rooms.models import Appointment
from counseling.rooms.services import CounselingError
from counseling.rooms.tests.room_helpers import make_room, make_slot, tomorrow_at
from org.models import Enrollment, Student

RACERS = 8


def _students(world) -> list[Student]:
    out = []
    for n in range(RACERS):
        s = Student.objects.create(
            student_no=f"G1101082015030199{n:02d}", name=f"学生{n}", gender="M", birth_date="2015-03-01"
        )
        Enrollment.objects.create(
            student=s, school=world.school_a, school_class=world.a1, school_year=world.year, grade=5
        )
        out.append(s)
    return out


def _book(by, student, slot, results: list, barrier: threading.Barrier | None) -> None:
    try:
        if barrier is not None:
            barrier.wait()
        services.book(by=by, student=student, slot=slot)
        results.append("won")
    except CounselingError as exc:
        results.append((exc.status, exc.message))
    except Exception as exc:  # reported by the test, not lost in the thread
        results.append(exc)
    finally:
        if barrier is not None:
            connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_of_students_racing_for_one_slot_exactly_one_wins():
    world = build_world()
    slot = make_slot(make_room(world.campus_a_main), world.psych, tomorrow_at(10))
    students = _students(world)
    results: list = []
    # The class teacher asks on behalf of each student (one teacher, eight concurrent requests).
    if connection.vendor == "postgresql":
        barrier = threading.Barrier(RACERS)
        threads = [
            threading.Thread(target=_book, args=(world.class_teacher, s, slot, results, barrier))
            for s in students
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        for s in students:
            _book(world.class_teacher, s, slot, results, None)
    assert results.count("won") == 1, results
    refusals = [r for r in results if r != "won"]
    assert len(refusals) == RACERS - 1
    assert all(r[0] == 409 and "刚刚已被预约" in r[1] for r in refusals), refusals
    assert Appointment.objects.filter(slot=slot).count() == 1
