"""Face-to-face visits at the district centre (面询预约, R4.2): within service hours, one open request, decided by
a counselor of the centre, the student told."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from care.models import Notification
from counseling.centre import services
from counseling.centre.models import CentreVisit
from counseling.centre.services import CentreError
from org.models import Post, Role, User

TZ = timezone.get_current_timezone()
NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=TZ)  # a Tuesday


def test_a_student_asks_for_an_after_school_time_and_a_counselor_confirms_it(world):
    visit = services.request_visit(user=world.student, wanted_at=NOW.replace(hour=17), now=NOW)
    assert Notification.objects.filter(kind=services.VISIT_KIND, user=world.district_counselor).exists()
    services.decide_visit(user=world.district_counselor, visit=visit, confirm=True, now=NOW)
    visit.refresh_from_db()
    assert visit.status == "confirmed" and visit.counselor == world.district_counselor
    assert Notification.objects.filter(kind=services.VISIT_KIND, user=world.student).exists()


@pytest.mark.parametrize(
    "wanted",
    [
        NOW.replace(hour=10),  # school hours on a school day: the centre is not open
        NOW.replace(hour=10) + dt.timedelta(hours=1),  # too soon anyway
        NOW.replace(hour=23),  # after closing
        NOW + dt.timedelta(days=40),  # too far ahead
    ],
)
def test_a_time_outside_the_service_hours_or_too_soon_is_refused_and_nothing_stored(world, wanted):
    with pytest.raises(CentreError):
        services.request_visit(user=world.student, wanted_at=wanted, now=NOW)
    assert not CentreVisit.objects.exists()


def test_a_saturday_morning_is_open(world):
    saturday = dt.datetime(2026, 12, 5, 10, 0, tzinfo=TZ)
    assert services.request_visit(user=world.student, wanted_at=saturday, now=NOW).status == "requested"


def test_one_open_request_at_a_time_through_the_page_with_a_chinese_message(world, login):
    today = timezone.localdate()
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 + 7)
    services.request_visit(user=world.student, wanted_at=dt.datetime.combine(saturday, dt.time(10, 0), TZ))
    page = login(world.student).post(reverse("counseling:centre_visit"), {"wanted_at": f"{saturday}T15:00"})
    assert page.status_code == 409 and "你已经有一个待确认或已确认的面询预约" in page.content.decode()
    assert CentreVisit.objects.count() == 1


def test_a_counselor_of_another_district_cannot_decide(world, login):
    visit = services.request_visit(user=world.student, wanted_at=NOW.replace(hour=17), now=NOW)
    other = User.objects.create(username="chaoyang_counselor")
    Post.objects.create(user=other, role=Role.DISTRICT_COUNSELOR, node=world.chaoyang)
    page = login(other).post(
        reverse("counseling:centre_visit_decide", kwargs={"pk": visit.pk}), {"confirm": "1"}
    )
    assert page.status_code == 404
    visit.refresh_from_db()
    assert visit.status == "requested"
