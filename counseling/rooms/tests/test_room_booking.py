"""Counseling room: rooms, duty roster, slots and booking (issue 5 item 1, R4.3)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from access.models import AuditEvent
from care.models import Notification
from counseling.rooms import selectors, services
from counseling.rooms.models import Appointment, AppointmentStatus, RoomDutyShift, Slot
from counseling.rooms.services import CounselingError
from counseling.rooms.tests.room_helpers import make_room, make_slot, tomorrow_at

pytestmark = pytest.mark.django_db


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


# --- the duty roster ---------------------------------------------------------------------------------------------


def test_a_duty_shift_opens_slots_of_the_rooms_length_for_the_coming_weeks(world):
    room = make_room(world.campus_a_main)
    now = timezone.now()
    day = timezone.localdate() + dt.timedelta(days=1)
    services.add_duty_shift(
        by=world.psych, room=room, counselor=world.psych, weekday=day.weekday(), starts=dt.time(12, 0),
        ends=dt.time(14, 0), valid_from=timezone.localdate(), now=now,
    )  # fmt: skip
    slots = list(Slot.objects.filter(room=room).order_by("starts_at"))
    assert len(slots) == 3 * 4  # 12:00, 12:40, 13:20 for four weeks
    assert timezone.localtime(slots[0].starts_at).time() == dt.time(12, 0)
    assert services.generate_slots(room=room, start=timezone.localdate(), days=28, now=now) == 0  # idempotent


def test_an_overlapping_duty_shift_is_refused_nothing_changed_and_the_attempt_audited(world):
    room = make_room(world.campus_a_main)
    other = make_room(world.campus_a_main, name="二号辅导室")
    common = {"by": world.leader, "weekday": 2, "valid_from": timezone.localdate()}
    services.add_duty_shift(room=room, counselor=world.psych, starts=dt.time(12), ends=dt.time(14), **common)
    before = (RoomDutyShift.objects.count(), Slot.objects.count())
    # The same teacher in another room at an overlapping time.
    with pytest.raises(CounselingError, match="重叠"):
        services.add_duty_shift(
            room=other, counselor=world.psych, starts=dt.time(13), ends=dt.time(15), **common
        )
    assert (RoomDutyShift.objects.count(), Slot.objects.count()) == before
    [event] = _events("counseling.duty.refused")
    assert event.detail["why"] == "overlap" and event.actor_id == world.leader.pk


def test_a_shift_outside_the_rooms_opening_hours_is_refused(world):
    room = make_room(world.campus_a_main)  # open 07:00–21:00
    with pytest.raises(CounselingError, match="开放时间"):
        services.add_duty_shift(
            by=world.psych, room=room, counselor=world.psych, weekday=1, starts=dt.time(20),
            ends=dt.time(22), valid_from=timezone.localdate(),
        )  # fmt: skip
    assert not RoomDutyShift.objects.exists()
    assert _events("counseling.duty.refused")[0].detail["why"] == "outside_hours"


def test_only_a_psychological_teacher_of_the_campus_can_be_on_duty_and_only_keepers_keep_the_roster(world):
    room = make_room(world.campus_a_main)
    with pytest.raises(CounselingError):
        services.add_duty_shift(
            by=world.psych, room=room, counselor=world.psych_east, weekday=1, starts=dt.time(12),
            ends=dt.time(13), valid_from=timezone.localdate(),
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.add_duty_shift(
            by=world.class_teacher, room=room, counselor=world.psych, weekday=1, starts=dt.time(12),
            ends=dt.time(13), valid_from=timezone.localdate(),
        )  # fmt: skip


# --- booking -----------------------------------------------------------------------------------------------------


def test_a_student_books_a_free_slot_and_the_counselor_on_duty_is_told(world):
    room = make_room(world.campus_a_main)
    slot = make_slot(room, world.psych, tomorrow_at(10))
    appt = services.book(by=world.student, student=world.student_a1, slot=slot, concern="考试焦虑")
    assert appt.status == AppointmentStatus.REQUESTED and not appt.on_behalf
    assert Notification.objects.filter(user=world.psych, kind="counseling.request").count() == 1
    assert slot not in selectors.free_slots(world.student_a1)


def test_a_student_sees_only_their_own_campuss_free_slots(world):
    mine = make_slot(make_room(world.campus_a_main), world.psych, tomorrow_at(10))
    make_slot(make_room(world.campus_a_east), world.psych_east, tomorrow_at(10))
    make_slot(make_room(world.campus_b), world.psych, tomorrow_at(10))
    assert list(selectors.free_slots(world.student_a1)) == [mine]


def test_booking_another_schools_room_is_refused_nothing_changed_and_audited(world):
    slot = make_slot(make_room(world.campus_b), world.psych, tomorrow_at(10))
    with pytest.raises(CounselingError) as exc:
        services.book(by=world.student, student=world.student_a1, slot=slot)
    assert exc.value.status == 403
    assert not Appointment.objects.exists()
    [event] = _events("counseling.booking.refused")
    assert event.detail["why"] == "other_room" and event.student_id == world.student_a1.pk


def test_booking_outside_opening_hours_is_refused_nothing_changed_and_audited(world):
    room = make_room(world.campus_a_main)  # open 07:00–21:00
    slot = make_slot(room, world.psych, tomorrow_at(21, 30))
    with pytest.raises(CounselingError, match="开放时间"):
        services.book(by=world.student, student=world.student_a1, slot=slot)
    assert not Appointment.objects.exists()
    assert _events("counseling.booking.refused")[0].detail["why"] == "outside_hours"


def test_two_students_cannot_take_the_same_slot(world):
    slot = make_slot(make_room(world.campus_a_main), world.psych, tomorrow_at(10))
    services.book(by=world.student, student=world.student_a1, slot=slot)
    with pytest.raises(CounselingError, match="刚刚已被预约") as exc:
        services.book(by=world.class_teacher, student=world.student_a1b, slot=slot)
    assert exc.value.status == 409
    assert Appointment.objects.count() == 1
    assert _events("counseling.booking.refused")[0].detail["why"] == "taken"


def test_the_same_submission_twice_gives_one_appointment(world):
    slot = make_slot(make_room(world.campus_a_main), world.psych, tomorrow_at(10))
    a = services.book(by=world.student, student=world.student_a1, slot=slot, key="k1")
    b = services.book(by=world.student, student=world.student_a1, slot=slot, key="k1")
    assert a.pk == b.pk and Appointment.objects.count() == 1


def test_a_guardian_asks_for_their_child_but_not_for_another_child(world):
    room = make_room(world.campus_a_main)
    appt = services.book(
        by=world.guardian, student=world.student_a1, slot=make_slot(room, world.psych, tomorrow_at(10))
    )
    assert appt.on_behalf and appt.requested_by == world.guardian
    with pytest.raises(PermissionDenied):
        services.book(
            by=world.other_guardian,
            student=world.student_a1,
            slot=make_slot(room, world.psych, tomorrow_at(11)),
        )


def test_the_counselor_confirms_declines_or_moves_and_the_student_is_told(world):
    room = make_room(world.campus_a_main)
    first, later = (
        make_slot(room, world.psych, tomorrow_at(10)),
        make_slot(room, world.psych, tomorrow_at(11)),
    )
    appt = services.book(by=world.student, student=world.student_a1, slot=first)
    services.confirm(by=world.psych, appointment=appt)
    moved = services.reschedule(by=world.psych, appointment=appt, slot=later)
    assert moved.slot == later and moved.status == AppointmentStatus.CONFIRMED
    assert first in selectors.free_slots(world.student_a1)  # the old time is free again
    told = Notification.objects.filter(user=world.student, kind="counseling.appointment").count()
    assert told == 2  # confirmed, moved
    with pytest.raises(PermissionDenied):  # the east campus's teacher does not work this room
        services.decline(by=world.psych_east, appointment=appt)
    services.decline(by=world.psych, appointment=appt)
    assert later in selectors.free_slots(world.student_a1)


def test_a_cancelled_appointment_frees_its_slot_and_cancelling_twice_changes_nothing(world):
    slot = make_slot(make_room(world.campus_a_main), world.psych, tomorrow_at(10))
    appt = services.book(by=world.student, student=world.student_a1, slot=slot)
    services.cancel(by=world.guardian, appointment=appt)
    services.cancel(by=world.student, appointment=appt)
    assert Appointment.objects.get().status == AppointmentStatus.CANCELLED
    services.book(by=world.class_teacher, student=world.student_a1b, slot=slot)  # free again


def test_reminders_go_once_for_confirmed_appointments_within_a_day(world):
    room = make_room(world.campus_a_main)
    soon = services.book(
        by=world.student, student=world.student_a1, slot=make_slot(room, world.psych, tomorrow_at(10))
    )
    services.book(
        by=world.student, student=world.student_a1, slot=make_slot(room, world.psych, tomorrow_at(10, days=3))
    )
    services.confirm(by=world.psych, appointment=soon)
    now = tomorrow_at(10) - dt.timedelta(hours=20)
    assert services.send_reminders(now=now) == 1
    assert services.send_reminders(now=now + dt.timedelta(hours=1)) == 0
    assert Notification.objects.filter(kind="counseling.reminder", user=world.student).count() == 1


def test_a_walk_in_is_recorded_by_student_number_and_leads_to_the_session_form(world, login):
    room = make_room(world.campus_a_main)
    client = login(world.psych)
    response = client.post(
        reverse("counseling:room_walk_in", args=[room.pk]),
        {"student_no": world.student_a1.student_no, "starts_at": "2020-01-06T10:00", "minutes": "30"},
    )
    appt = Appointment.objects.get()
    assert appt.walk_in and appt.status == AppointmentStatus.ATTENDED
    assert response["Location"].endswith(f"?appointment={appt.pk}")
    # A student of another campus, or unknown: a clear refusal, nothing recorded.
    response = login(world.psych_east).post(
        reverse("counseling:room_walk_in", args=[room.pk]),
        {"student_no": "G1", "starts_at": "2020-01-06T10:00"},
    )
    assert response.status_code == 404 and Appointment.objects.count() == 1


# --- pages -------------------------------------------------------------------------------------------------------


def test_a_student_books_through_the_phone_page(world, login):
    slot = make_slot(make_room(world.campus_a_main), world.psych, tomorrow_at(10))
    client = login(world.student)
    page = client.get(reverse("counseling:room_book"))
    assert page.status_code == 200 and str(slot.pk).encode() in page.content
    assert b"12356" in page.content  # the hotlines on every student page (R4.1)
    response = client.post(
        reverse("counseling:room_book"), {"slot": slot.pk, "key": "x", "student": world.student_a1.pk}
    )
    assert response.status_code == 302
    assert Appointment.objects.get().student == world.student_a1


def test_a_refused_booking_answers_with_a_message_and_changes_nothing(world, login):
    slot = make_slot(make_room(world.campus_b), world.psych, tomorrow_at(10))
    response = login(world.student).post(reverse("counseling:room_book"), {"slot": slot.pk, "key": "x"})
    assert response.status_code == 403
    assert "notice" in response.content.decode() and not Appointment.objects.exists()


def test_the_booking_page_and_the_desk_take_a_fixed_number_of_queries(
    world, login, django_assert_max_num_queries
):
    room = make_room(world.campus_a_main)
    for h in range(8, 20):
        make_slot(room, world.psych, tomorrow_at(h))
    for h in range(8, 14):
        slot = Slot.objects.get(starts_at=tomorrow_at(h))
        services.book(by=world.class_teacher, student=world.student_a1b, slot=slot)
    client = login(world.student)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("counseling:room_book")).status_code == 200
    client = login(world.psych)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("counseling:room_desk")).status_code == 200


def test_no_slots_are_opened_on_a_public_holiday(world):
    from org.calendar.models import CalendarDay, DayKind

    room = make_room(world.campus_a_main)
    holiday = timezone.localdate() + dt.timedelta(days=8)
    CalendarDay.objects.create(date=holiday, kind=DayKind.HOLIDAY, name="国庆节")
    services.add_duty_shift(
        by=world.psych, room=room, counselor=world.psych, weekday=holiday.weekday(), starts=dt.time(12),
        ends=dt.time(13), valid_from=timezone.localdate(),
    )  # fmt: skip
    days = {timezone.localtime(s.starts_at).date() for s in Slot.objects.filter(room=room)}
    assert holiday not in days and len(days) == 3  # four weeks of that weekday, less the holiday


def test_the_counselor_sees_what_the_student_wants_to_talk_about_and_the_showing_is_audited(world, login):
    slot = make_slot(make_room(world.campus_a_main), world.psych, tomorrow_at(10))
    services.book(by=world.student, student=world.student_a1, slot=slot, concern="和同桌闹矛盾")
    page = login(world.psych).get(reverse("counseling:room_desk"))
    assert "和同桌闹矛盾" in page.content.decode()
    event = AuditEvent.objects.get(action="counseling.desk.view")
    assert event.detail["ids"] == [world.student_a1.pk] and "和同桌" not in str(event.detail)
    assert "和同桌闹矛盾" not in login(world.psych_east).get(reverse("counseling:room_desk")).content.decode()


def test_the_daily_run_keeps_slots_open_four_weeks_ahead_and_reminds(world):
    from django.core.management import call_command

    room = make_room(world.campus_a_main)
    sunday = timezone.make_aware(dt.datetime(2026, 11, 29, 8))  # a frozen clock: a Sunday morning
    services.add_duty_shift(
        by=world.psych, room=room, counselor=world.psych, weekday=0, starts=dt.time(12), ends=dt.time(12, 40),
        valid_from=sunday.date(), now=sunday,
    )  # fmt: skip
    assert Slot.objects.count() == 4  # Mondays 30 Nov, 7, 14 and 21 Dec
    later = sunday + dt.timedelta(days=7)
    assert services.open_coming_slots(now=later) == 1  # one more Monday comes into the four weeks
    assert services.open_coming_slots(now=later) == 0
    call_command("remind_appointments", stdout=io.StringIO())


def test_a_district_sets_its_own_platform_and_hotlines_and_other_districts_keep_the_citys(world, login):
    from counseling.rooms.models import DistrictLinks

    DistrictLinks.objects.create(
        district=world.haidian, platform_name="海淀心理服务平台", platform_url="https://example.edu.cn/hd",
        hotlines=[{"number": "010-12345678", "name": "海淀区心理热线"}],
    )  # fmt: skip
    page = login(world.student).get(reverse("web:home")).content.decode()
    assert "海淀区心理热线 010-12345678" in page and "海淀心理服务平台" in page
    other = login(world.other_guardian)  # 育英学校 is in 海淀 too
    assert "010-12345678" in other.get(reverse("counseling:room_help")).content.decode()
    from counseling.rooms.links import links_for

    assert [h["number"] for h in links_for(world.chaoyang).hotlines] == ["12356", "12355"]


def test_a_district_administrator_sets_the_links_and_bad_input_changes_nothing(world, login):
    from counseling.rooms.models import DistrictLinks

    client = login(world.district_admin)
    url = reverse("counseling:room_links")
    bad = client.post(url, {"platform_name": "平台", "platform_url": "javascript:alert(1)", "hotlines": ""})
    assert bad.status_code == 400 and not DistrictLinks.objects.exists()
    ok = client.post(url, {"platform_name": "海淀心理服务平台", "platform_url": "https://example.edu.cn",
                           "hotlines": "12356 心理援助热线\n010-1234 海淀区热线"})  # fmt: skip
    assert ok.status_code == 302
    row = DistrictLinks.objects.get(district=world.haidian)
    assert row.hotlines == [
        {"number": "12356", "name": "心理援助热线"},
        {"number": "010-1234", "name": "海淀区热线"},
    ]
    assert AuditEvent.objects.filter(action="counseling.links.set", actor=world.district_admin).count() == 1


@pytest.mark.parametrize("slot", ["abc", "", "1e3", "９", "9" * 25, "-1"])
def test_a_booking_form_with_a_slot_that_is_not_an_id_is_answered_not_an_error(world, login, slot):
    """Issue 19 finding 9: ``slot=abc`` on booking answered 500."""
    make_slot(make_room(world.campus_a_main), world.psych, tomorrow_at(10))
    page = login(world.student).post(reverse("counseling:room_book"), {"slot": slot, "key": "k" * 16})
    assert page.status_code in (400, 404)
    assert not Appointment.objects.exists()
