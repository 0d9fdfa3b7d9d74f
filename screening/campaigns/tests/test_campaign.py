"""Campaigns: default battery by grade band, licence gate, warning for schools without a psych teacher (R5.1)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from org.models import Post, Role
from screening.battery import services as battery_services
from screening.campaigns import services
from screening.campaigns.services import ScreeningError
from screening.models import Assignment, BatteryEntry, Campaign, CampaignStatus


def _new(world, **kw):
    now = timezone.now()
    return services.create_campaign(by=world.district_officer, organiser=world.haidian, name="测评",
                                    starts_at=now, ends_at=now + dt.timedelta(days=3), school_year=world.year, **kw)  # fmt: skip


def test_a_new_campaign_targets_grades_4_to_12_with_the_practice_battery_and_the_asq_from_grade_5(world):
    c = _new(world)
    assert (c.grade_from, c.grade_to) == (4, 12)
    bands = {(e.grade_from, e.grade_to, e.instrument_id) for e in c.battery.all()}
    assert bands == {
        (4, 4, "who-5"), (4, 4, "scared-c"),
        (5, 6, "who-5"), (5, 6, "scared-c"), (5, 6, "asq"),
        (7, 12, "phq-a"), (7, 12, "gad-7"), (7, 12, "asq"),
    }  # fmt: skip


def test_launch_assigns_the_target_students_with_their_class(world):
    c = _new(world, default_battery=False)
    BatteryEntry.objects.create(
        campaign=c, grade_from=4, grade_to=12, instrument_id="asq", instrument_version="1.0"
    )
    services.launch_campaign(
        by=world.district_officer, campaign=c, confirmed=services.launch_summary(c).fingerprint
    )
    got = set(Assignment.objects.filter(campaign=c).values_list("student__name", "school_class__name"))
    assert ("李小明", "五年级1班") in got and ("赵小丽", "四年级1班") in got
    assert not Assignment.objects.filter(student=world.student_c1).exists()  # another district


def test_launch_is_blocked_while_a_licensed_instrument_has_no_recorded_licence(world, monkeypatch):
    c = _new(world, default_battery=False)
    BatteryEntry.objects.create(
        campaign=c, grade_from=4, grade_to=12, instrument_id="gad-7", instrument_version="1.0"
    )
    real = services._instrument

    def licensed(instrument_id, version=None):
        return real(instrument_id, version).model_copy(update={"licence": "licensed"})

    monkeypatch.setattr(services, "_instrument", licensed)
    with pytest.raises(ScreeningError) as exc:
        services.launch_campaign(
            by=world.district_officer, campaign=c, confirmed=services.launch_summary(c).fingerprint
        )
    assert exc.value.status == 409 and "GAD-7" in exc.value.message
    with pytest.raises(ScreeningError):
        battery_services.record_licence(
            by=world.district_officer, district=world.haidian, instrument_id="gad-7"
        )
    battery_services.record_licence(by=world.district_admin, district=world.haidian, instrument_id="gad-7")
    services.launch_campaign(
        by=world.district_officer, campaign=c, confirmed=services.launch_summary(c).fingerprint
    )
    assert Campaign.objects.get(pk=c.pk).status == CampaignStatus.LAUNCHED


def test_the_launch_page_warns_about_schools_without_a_psych_teacher(world, login):
    c = _new(world)
    assert [s.name for s in services.schools_without_psych_teacher(c)] == ["育英学校"]
    page = login(world.district_officer).get(reverse("screening:campaign", kwargs={"pk": c.pk}))
    assert "育英学校" in page.content.decode()
    Post.objects.create(user=world.teacher, role=Role.PSYCH_TEACHER, node=world.school_b)
    assert services.schools_without_psych_teacher(c) == []


def test_a_school_leader_may_organise_only_for_their_school(world):
    now = timezone.now()
    c = services.create_campaign(by=world.leader, organiser=world.school_a, name="校内", starts_at=now,
                                 ends_at=now + dt.timedelta(days=1), school_year=world.year)  # fmt: skip
    assert c.organiser == world.school_a
    with pytest.raises(ScreeningError):
        services.create_campaign(by=world.leader, organiser=world.school_b, name="x", starts_at=now,
                                 ends_at=now + dt.timedelta(days=1), school_year=world.year)  # fmt: skip


def test_a_teacher_cannot_open_the_campaign_pages(world, login):
    assert login(world.teacher).get(reverse("screening:campaigns")).status_code == 403


def _band(c, lo=7, hi=12):
    return list(
        c.battery.filter(grade_from=lo, grade_to=hi).order_by("order").values_list("instrument_id", flat=True)
    )


def test_an_instrument_added_on_the_page_goes_last_in_its_band(world, client):
    c = _new(world)
    client.force_login(world.district_officer)
    url = reverse("screening:campaign", args=[c.pk])
    client.post(url, {"action": "battery", "grade_from": 7, "grade_to": 12, "instrument_id": "who-5"})
    assert _band(c) == ["phq-a", "gad-7", "asq", "who-5"]


def _all(c):
    return list(c.battery.values_list("instrument_id", flat=True))


def _five(world):
    """A draft with five instruments in a known order (the default battery may change; this test must not)."""
    c = _new(world, default_battery=False)
    for lo, hi, iid in [
        (4, 6, "scared-c"),
        (4, 6, "who-5"),
        (7, 12, "phq-a"),
        (7, 12, "gad-7"),
        (7, 12, "asq"),
    ]:
        services.set_battery_entry(campaign=c, grade_from=lo, grade_to=hi, instrument_id=iid)
    return c


def test_the_organiser_reorders_and_removes_instruments_of_a_draft_battery(world, client):
    c = _five(world)
    assert _all(c) == ["scared-c", "who-5", "phq-a", "gad-7", "asq"]
    client.force_login(world.district_officer)
    url = reverse("screening:campaign", args=[c.pk])
    asq = c.battery.get(instrument_id="asq")
    client.post(url, {"action": "up", "entry": asq.pk})
    assert _band(c) == ["phq-a", "asq", "gad-7"]  # a grade 7–12 student now answers the ASQ second
    for _ in range(5):
        client.post(url, {"action": "up", "entry": asq.pk})  # past the top it stays first
    assert _all(c) == ["asq", "scared-c", "who-5", "phq-a", "gad-7"]
    client.post(url, {"action": "down", "entry": asq.pk})
    assert _all(c) == ["scared-c", "asq", "who-5", "phq-a", "gad-7"]
    client.post(url, {"action": "remove", "entry": c.battery.get(instrument_id="gad-7").pk})
    assert _all(c) == ["scared-c", "asq", "who-5", "phq-a"]
    assert list(c.battery.values_list("order", flat=True)) == [1, 2, 3, 4]


def test_a_launched_battery_cannot_be_reordered_or_shortened(world, client):
    c = _new(world)
    c.battery.exclude(instrument_id__in=["gad-7", "asq"]).delete()  # the free ones: no licence needed
    services.launch_campaign(
        by=world.district_officer, campaign=c, confirmed=services.launch_summary(c).fingerprint
    )
    before = list(c.battery.order_by("pk").values_list("pk", "order"))
    client.force_login(world.district_officer)
    url = reverse("screening:campaign", args=[c.pk])
    entry = c.battery.get(instrument_id="asq", grade_from=7)
    for action in ("up", "remove"):
        response = client.post(url, {"action": action, "entry": entry.pk})
        assert response.status_code == 409
    assert list(c.battery.order_by("pk").values_list("pk", "order")) == before


def test_another_campaigns_entry_cannot_be_removed_through_this_one(world, client):
    c, other = _new(world), _new(world)
    client.force_login(world.district_officer)
    target = other.battery.first()
    response = client.post(
        reverse("screening:campaign", args=[c.pk]), {"action": "remove", "entry": target.pk}
    )
    assert response.status_code == 404
    assert BatteryEntry.objects.filter(pk=target.pk).exists()
