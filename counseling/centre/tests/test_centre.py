"""District counseling centre (R4.2): the holiday calendar, the duty roster, the hotline log and its hand-over."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import AuditEvent
from care.models import Notification
from counseling.centre import services
from counseling.centre.models import DutyShift, HotlineCall
from counseling.centre.services import CentreError
from org.calendar.models import CalendarDay
from org.calendar.selectors import SchoolCalendar

TZ = timezone.get_current_timezone()


def test_the_holiday_calendar_loads_once_and_a_make_up_saturday_is_a_school_day(db):
    created, _ = services.load_holidays()
    assert created > 40
    assert services.load_holidays()[0] == 0  # idempotent
    assert services.day_kind(dt.date(2025, 10, 3)) == "holiday"  # 国庆 (a Friday)
    assert services.day_kind(dt.date(2025, 10, 11)) == "school_day"  # 调休 Saturday
    assert services.day_kind(dt.date(2025, 10, 18)) == "weekend"


def test_an_administrators_correction_survives_a_reload_and_others_cannot_edit(world):
    services.load_holidays()
    services.edit_calendar_day(
        user=world.district_admin, day=dt.date(2026, 10, 10), kind="holiday", name="改"
    )
    services.load_holidays()
    corrected = CalendarDay.objects.get(date=dt.date(2026, 10, 10), node__isnull=False)
    assert corrected.kind == "holiday" and corrected.node == world.district_admin.posts.get().node
    day = dt.date(2026, 10, 10)  # the national calendar keeps its 调休 Saturday; the district has it off
    assert services.day_kind(day) == "school_day"
    assert services.day_kind(day, SchoolCalendar(day, 0, corrected.node)) == "holiday"
    with pytest.raises(CentreError):
        services.edit_calendar_day(
            user=world.district_counselor, day=dt.date(2026, 1, 5), kind="holiday", name="x"
        )
    assert not CalendarDay.objects.filter(date=dt.date(2026, 1, 5)).exists()


def _shift(world, start_h: int, end_h: int, by=None):
    day = dt.datetime(2026, 12, 5, tzinfo=TZ)
    return services.schedule_shift(
        by=by or world.district_admin,
        district=world.haidian,
        counselor=world.district_counselor,
        starts_at=day + dt.timedelta(hours=start_h),
        ends_at=day + dt.timedelta(hours=end_h),
    )


def test_one_counselor_cannot_hold_two_overlapping_shifts_refused_unchanged_and_audited(world):
    _shift(world, 9, 14)
    with pytest.raises(CentreError) as refused:
        _shift(world, 13, 18)
    assert refused.value.status == 409 and DutyShift.objects.count() == 1
    assert AuditEvent.objects.filter(action="counseling.centre_duty.refused").count() == 1
    _shift(world, 14, 18)  # back to back is fine
    assert DutyShift.objects.count() == 2


def test_only_the_districts_administrator_keeps_the_roster(world):
    with pytest.raises(CentreError):
        _shift(world, 9, 12, by=world.district_counselor)
    with pytest.raises(CentreError):
        services.schedule_shift(
            by=world.district_admin,
            district=world.haidian,
            counselor=world.psych,
            starts_at=timezone.now(),
            ends_at=timezone.now() + dt.timedelta(hours=2),
        )
    assert not DutyShift.objects.exists()


def test_an_overlap_through_the_page_shows_a_chinese_message(world, login):
    _shift(world, 9, 14)
    page = login(world.district_admin).post(
        reverse("counseling:centre_duty"),
        {
            "district": world.haidian.pk,
            "counselor": world.district_counselor.pk,
            "starts_at": "2026-12-05T10:00",
            "ends_at": "2026-12-05T12:00",
        },
    )
    assert page.status_code == 409 and "时间不能重叠" in page.content.decode()


def _call(world, consent: bool) -> HotlineCall:
    call, _ = services.record_call(
        user=world.district_counselor, district=world.haidian, started_at=timezone.now() - dt.timedelta(minutes=30),
        duration_minutes=25, caller_type="student", topic="family", risk="orange", outcome="supported",
        summary="家里争吵", consent_to_hand_over=consent, submit_key="call-key-" + "x" * 12,
    )  # fmt: skip
    return call


def test_a_hand_over_without_the_callers_consent_is_refused(world):
    call = _call(world, consent=False)
    with pytest.raises(CentreError):
        services.hand_over_call(
            user=world.district_counselor, call=call, student_no=world.student_a1.student_no
        )
    call.refresh_from_db()
    assert call.handed_over_to is None and not Notification.objects.exists()


def test_a_consented_hand_over_tells_the_students_school_psych_teachers(world):
    call = _call(world, consent=True)
    services.hand_over_call(user=world.district_counselor, call=call, student_no=world.student_a1.student_no)
    call.refresh_from_db()
    assert call.handed_over_to == world.school_a and call.outcome == "handed_over"
    assert set(Notification.objects.filter(kind="centre.handover").values_list("user_id", flat=True)) == {
        world.psych.pk
    }


def test_a_student_of_another_district_cannot_be_handed_over_to(world):
    call = _call(world, consent=True)
    with pytest.raises(CentreError):
        services.hand_over_call(
            user=world.district_counselor, call=call, student_no=world.student_c1.student_no
        )


def test_a_hotline_call_logged_twice_from_one_form_is_stored_once(world):
    _call(world, consent=False)
    _call(world, consent=False)
    assert HotlineCall.objects.count() == 1
