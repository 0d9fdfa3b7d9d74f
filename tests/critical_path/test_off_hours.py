"""Nobody at risk waits for a closed school (issue 15 Build 2; R4.2, R5.1, DESIGN.md risk levels).

The walk of issue 15 point 1: a grade-5 student answers PHQ-A on a phone at 22:42 on a school day — item 9
"几乎每天", past-month serious thoughts "是", a lifetime attempt "是". In a campaign the district opened to evenings
the alert reaches the district counselor on duty at once, with a deadline in minutes, and climbs centre → district
officers by wall clock; at a campaign with the default window the questionnaire does not open at 22:42 and the
student is given the help lines. Across apps (screening, care, counseling), with a frozen clock.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from access.tests.matrix_support import PERSONAS
from care.alerts.services import acknowledge_alert, escalate_overdue
from care.models import Alert, AlertStage, Channel, Notification
from conftest import school_day_at
from counseling.centre.models import DutyShift
from counseling.rooms.models import CounselingRoom, DistrictLinks, RoomDutyShift
from org.models import Post, Role, User
from screening.campaigns.tests.campaign_helpers import launched_campaign, started
from screening.models import Answer, AnswerHours, Response, ResponseStatus

MIN = dt.timedelta(minutes=1)
DISTRICT_LINE = "010-62345678"
# PHQ-A as the student of issue 15 answered it: item 9 = 3 (几乎每天), serious thoughts in the past month = yes,
# a suicide attempt in her life = yes; the rest "not at all".
WALK = {f"q{i}": 0 for i in range(1, 9)} | {
    "q9": 3,
    "past_year": 0,
    "difficulty": 0,
    "past_month_thoughts": 1,
    "ever_attempted": 1,
}


def _told(alert, stage) -> set[str]:
    rows = Notification.objects.filter(alert=alert, stage=stage, channel=Channel.IN_APP)
    return {n.user.username for n in rows.select_related("user")}


def _post(client, name, pk, body):
    return client.post(
        reverse(name, kwargs={"pk": pk}), data=json.dumps(body), content_type="application/json"
    )


@pytest.fixture
def night(world, frozen_clock):
    """22:42 on a school day; 海淀's centre has a counselor on duty from 16:00 to 08:00 the next morning, a second
    counselor not on duty, its own line on the links page; school A keeps a counseling-room roster (mornings)."""
    at = frozen_clock(school_day_at(22, 42))
    on_duty = world.district_counselor
    DutyShift.objects.create(
        district=world.haidian,
        counselor=on_duty,
        starts_at=at.replace(hour=16, minute=0),
        ends_at=at.replace(hour=8, minute=0) + dt.timedelta(days=1),
        created_at=at,
    )
    off = User.objects.create(username="centre_off", display_name="海淀中心二号")
    Post.objects.create(user=off, role=Role.DISTRICT_COUNSELOR, node=world.haidian)
    world.users["centre_off"] = off
    from screening.models import InstrumentLicence

    for inst in ("phq-a", "who-5"):  # licences recorded by the district administrator
        InstrumentLicence.objects.create(
            district=world.haidian, instrument_id=inst, recorded_by=world.district_admin
        )
    DistrictLinks.objects.create(
        district=world.haidian,
        platform_name="海淀心理",
        hotlines=[{"number": DISTRICT_LINE, "name": "海淀区心理咨询中心热线"}],
    )
    room = CounselingRoom.objects.create(school=world.school_a, campus=world.campus_a_main, name="心理辅导室")
    for weekday in range(5):
        RoomDutyShift.objects.create(
            room=room,
            counselor=world.psych,
            weekday=weekday,
            starts=dt.time(8, 0),
            ends=dt.time(12, 0),
            valid_from=timezone.localdate() - dt.timedelta(days=1),
        )
    return at


def _answer_all(client, response):
    for item, value in WALK.items():
        got = _post(
            client, "screening:save_answer", response.pk, {"item": item, "value": value, "seconds": 3}
        )
        assert got.status_code == 200, got.content
    return _post(client, "screening:submit", response.pk, {"key": f"walk-{response.pk}"})


def test_the_walk_at_2242_in_a_campaign_opened_to_evenings_reaches_the_counselor_on_duty_in_minutes(
    world, login, night
):
    campaign = launched_campaign(world, instruments=("phq-a",), answer_hours=AnswerHours.EVENINGS)
    assert world.student_a1.current_enrollment().school_class.grade == 5
    a, (response,) = started(world, campaign)
    client = login(world.student)
    page = client.get(reverse("screening:answer", kwargs={"pk": a.pk}))
    assert page.status_code == 200
    got = _answer_all(client, response)
    assert got.status_code == 200, got.content

    alert = Alert.objects.get(student=world.student_a1)
    assert alert.level in {"red", "orange"}
    # First recipient: the district counselor on duty now, by wall clock — minutes, not the next morning.
    assert alert.route == "off_hours" and alert.stage == AlertStage.CENTRE_ON_DUTY
    assert _told(alert, AlertStage.CENTRE_ON_DUTY) == {"district_counselor"}
    minutes = 15 if alert.level == "red" else 30
    assert alert.ack_deadline == night + minutes * MIN
    assert timezone.localtime(alert.ack_deadline).date() == night.date()
    # The school's psychological teachers have it in the app at once (no message at night).
    assert _told(alert, AlertStage.PSYCH_TEACHERS) == {"psych"}
    assert not Notification.objects.filter(
        alert=alert, stage=AlertStage.PSYCH_TEACHERS, channel=Channel.EMAIL
    )

    # The student sees the help lines at once (the page after submitting), with the district's own line.
    done = client.get(got.json()["next"], follow=True).content.decode()
    for number in ("12356", "12355", DISTRICT_LINE):
        assert f'href="tel:{number}"' in done

    # Unacknowledged: the whole centre, then the district officers, each by wall clock; each step once.
    first = alert.ack_deadline
    assert escalate_overdue(now=first - MIN) == 0
    assert escalate_overdue(now=first) == 1
    assert escalate_overdue(now=first) == 0
    alert.refresh_from_db()
    assert alert.stage == AlertStage.CENTRE_ALL
    assert _told(alert, AlertStage.CENTRE_ALL) == {"district_counselor", "centre_off"}
    assert alert.ack_deadline == first + minutes * MIN
    second = alert.ack_deadline
    assert escalate_overdue(now=second) == 1
    assert escalate_overdue(now=second + 60 * MIN) == 0  # the last stage climbs no further
    alert.refresh_from_db()
    assert alert.stage == AlertStage.DISTRICT_OFFICE
    assert _told(alert, AlertStage.DISTRICT_OFFICE) == {"district_officer"}
    assert list(alert.events.filter(kind="escalated").values_list("detail__to", flat=True)) == [4, 5]


def test_at_2242_a_default_campaign_refuses_to_open_the_questionnaire_and_gives_the_hotlines(
    world, login, night
):
    campaign = launched_campaign(world, instruments=("phq-a", "who-5"), answer_hours=AnswerHours.RESPONDER)
    a, responses = started(world, campaign)
    phq = next(r for r in responses if r.instrument_id == "phq-a")
    client = login(world.student)
    _post(client, "screening:save_answer", phq.pk, {"item": "q1", "value": 2, "seconds": 3})
    before = list(Answer.objects.values_list("item_id", "value"))

    # WHO-5 has no critical item: it stays answerable; PHQ-A (first in the battery) is skipped for now.
    page = client.get(reverse("screening:answer", kwargs={"pk": a.pk}))
    assert page.status_code == 200 and page.context["response"].instrument_id == "who-5"
    Response.objects.filter(assignment=a, instrument_id="who-5").update(status=ResponseStatus.SUBMITTED)

    page = client.get(reverse("screening:answer", kwargs={"pk": a.pk}))
    assert page.status_code == 409
    text = page.content.decode()
    for number in ("12356", "12355", DISTRICT_LINE):
        assert number in page.context["message"] and f'href="tel:{number}"' in text
    api = client.get(reverse("api:api_screening_response", kwargs={"response_id": phq.pk}))
    assert api.status_code == 409
    assert "12356" in api.json()["detail"] and DISTRICT_LINE in api.json()["detail"]
    # Nothing changed: the answer kept, the sheet open, no result, no alert.
    assert list(Answer.objects.values_list("item_id", "value")) == before
    phq.refresh_from_db()
    assert phq.status == ResponseStatus.OPEN and not Alert.objects.exists()


def test_the_same_campaign_opens_in_school_hours_with_a_psych_teacher_on_duty(
    world, login, night, frozen_clock, django_assert_max_num_queries
):
    frozen_clock(night.replace(hour=10, minute=0))  # on the roster (08:00–12:00)
    campaign = launched_campaign(world, instruments=("phq-a",), answer_hours=AnswerHours.RESPONDER)
    a, _responses = started(world, campaign)
    client = login(world.student)
    with django_assert_max_num_queries(12):  # the window check costs 3 statements (docs/performance.md)
        assert client.get(reverse("screening:answer", kwargs={"pk": a.pk})).status_code == 200
    frozen_clock(night.replace(hour=14, minute=0))  # school time, but nobody on the room roster
    assert client.get(reverse("screening:answer", kwargs={"pk": a.pk})).status_code == 409


def test_an_alert_in_school_hours_with_a_psych_teacher_on_duty_takes_the_school_route(
    world, login, night, frozen_clock
):
    at = frozen_clock(night.replace(hour=10, minute=0))
    campaign = launched_campaign(world, instruments=("phq-a",), answer_hours=AnswerHours.RESPONDER)
    _a, (response,) = started(world, campaign)
    client = login(world.student)
    assert _answer_all(client, response).status_code == 200
    alert = Alert.objects.get(student=world.student_a1)
    assert alert.route == "school" and alert.stage == AlertStage.PSYCH_TEACHERS
    assert _told(alert, AlertStage.PSYCH_TEACHERS) == {"psych"}
    assert not Notification.objects.filter(alert=alert, stage__gte=AlertStage.CENTRE_ON_DUTY).exists()
    # The school route's timer, idempotent too.
    assert escalate_overdue(now=alert.ack_deadline) == 1
    assert escalate_overdue(now=alert.ack_deadline) == 0
    alert.refresh_from_db()
    assert alert.stage == AlertStage.SCHOOL_LEADER and alert.raised_at == at


def test_with_no_counselor_on_duty_the_off_hours_route_starts_at_the_whole_centre(world, night):
    from care.alerts.services import raise_alert

    DutyShift.objects.all().delete()
    alert = raise_alert(
        student=world.student_a1, level="orange", reasons=[], source_type="test", source_id="1", now=night
    )
    assert alert.route == "off_hours" and alert.stage == AlertStage.CENTRE_ALL
    assert _told(alert, AlertStage.CENTRE_ALL) == {"district_counselor", "centre_off"}
    assert alert.ack_deadline == night + 30 * MIN


def test_the_counselor_on_duty_opens_and_acknowledges_the_alert_and_nobody_else_gains_access(
    world, login, night
):
    """Scope.ESCALATED covers an off-hours alert's current responders: the counselor on duty (told), then the
    whole centre, then the district officers told — and no one else."""
    from care.alerts.services import raise_alert

    alert = raise_alert(
        student=world.student_a1, level="red", reasons=[], source_type="test", source_id="2", now=night
    )
    url = reverse("care:alert_detail", args=[alert.pk])
    # Every persona of the access matrix: the counselor on duty (told), the school's psych teacher and its leader
    # (a red student) see it; the east-campus psych teacher and a counselor not on duty are alert roles that do
    # not (404); every other role never works alerts (403) — the district officer neither, before the last stage.
    sees = {"district_counselor", "psych", "leader"}
    alert_roles_outside = {"psych_east", "centre_off"}
    for username in [*PERSONAS, "centre_off"]:
        want = 200 if username in sees else 404 if username in alert_roles_outside else 403
        assert login(world.users[username]).get(url).status_code == want, username
    # Issue 19 finding 11: the district officer's roster (T1) is escalated students only — not a1 yet.
    student_page = reverse("org:student_detail", args=[world.student_a1.pk])
    assert login(world.district_officer).get(student_page).status_code == 404
    escalate_overdue(now=alert.ack_deadline)  # → the whole centre
    assert login(world.users["centre_off"]).get(url).status_code == 200
    escalate_overdue(now=alert.ack_deadline + 15 * MIN)  # → the district officers
    alert.refresh_from_db()
    assert alert.stage == AlertStage.DISTRICT_OFFICE
    assert login(world.district_officer).get(url).status_code == 200
    assert login(world.district_officer).get(student_page).status_code == 200  # now escalated to them
    assert login(world.other_district_officer).get(url).status_code == 403
    page = login(world.district_counselor).get(reverse("care:alert_list")).content.decode()
    assert world.student_a1.name in page
    client = login(world.district_counselor)
    assert client.post(reverse("care:alert_acknowledge", args=[alert.pk])).status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == world.district_counselor


def test_every_alert_says_who_is_responsible_now_and_until_when_and_the_school_finds_the_night_handover(
    world, login, night, frozen_clock, django_assert_max_num_queries
):
    from care.alerts.services import raise_alert

    alert = raise_alert(
        student=world.student_a1, level="red", reasons=[], source_type="test", source_id="3", now=night
    )
    client = login(world.district_counselor)
    page = client.get(reverse("care:alert_detail", args=[alert.pk])).content.decode()
    deadline = timezone.localtime(alert.ack_deadline).strftime("%H:%M")
    assert world.district_counselor.display_name in page and deadline == "22:57" and deadline in page
    acknowledge_alert(alert=alert, user=world.district_counselor, now=night + 5 * MIN)

    # The next school day, 08:00: the alert is in the psych teacher's queue with the centre's acknowledgement.
    frozen_clock(night.replace(hour=8, minute=0) + dt.timedelta(days=1))
    for n in range(3):
        raise_alert(student=world.student_a1b, level="orange", reasons=[], source_type="test",
                    source_id=f"more{n}", now=night)  # fmt: skip
    client = login(world.psych)
    with django_assert_max_num_queries(14):
        listing = client.get(reverse("care:alert_list"))
    rows = listing.context["rows"]
    handled = next(r for r in rows if r.pk == alert.pk)
    assert world.district_counselor.display_name in handled.responsible
    assert "district counseling centre" in handled.responsible or "区心理中心" in handled.responsible
    others = [r for r in rows if r.pk != alert.pk]
    assert len(others) == 3 and all(world.psych.display_name not in r.responsible for r in others)


def test_an_unacknowledged_school_alert_goes_to_the_centre_when_the_school_closes(world, night, frozen_clock):
    """An orange alert raised in school time would otherwise wait for the next school day (2 school hours)."""
    from care.alerts.services import raise_alert

    morning = night.replace(hour=11, minute=0)  # the psych teacher on the room roster (08:00–12:00)
    alert = raise_alert(
        student=world.student_a1, level="orange", reasons=[], source_type="test", source_id="4", now=morning
    )
    assert alert.route == "school" and alert.stage == AlertStage.PSYCH_TEACHERS
    assert escalate_overdue(now=night.replace(hour=17, minute=0)) == 1  # school time: only the leader's turn
    closing = night.replace(hour=17, minute=31)
    assert escalate_overdue(now=closing) == 1
    assert escalate_overdue(now=closing) == 0
    alert.refresh_from_db()
    assert alert.route == "off_hours" and alert.stage == AlertStage.CENTRE_ON_DUTY
    assert _told(alert, AlertStage.CENTRE_ON_DUTY) == {"district_counselor"}
    assert alert.ack_deadline == closing + 30 * MIN
    assert alert.events.filter(kind="escalated", detail__why="school_closed").count() == 1
