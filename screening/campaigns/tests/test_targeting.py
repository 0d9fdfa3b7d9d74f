"""Campaign targeting, preview and confirmation (issue 20 build 4): an organiser chooses schools, classes or
grades, sees exactly what a student of each grade will be shown, and launches only after confirming the counts
(students targeted, guardian consents needed). Targeting picks exactly the right students; a launch without the
confirmation, or after the students changed, does nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from screening.campaigns import services
from screening.campaigns.services import ScreeningError
from screening.models import Assignment, BatteryEntry, Campaign, CampaignStatus, ConsentRule

pytestmark = pytest.mark.django_db


def _draft(world, *, organiser=None, consent_rule=ConsentRule.ACTIVE_UNDER_AGE, battery=True) -> Campaign:
    """A draft; ``battery``: the ASQ (free to use) for grades 4–12, else an empty battery."""
    now = timezone.now()
    c = services.create_campaign(
        by=world.district_officer, organiser=organiser or world.haidian, name="春季心理测评", starts_at=now,
        ends_at=now + dt.timedelta(days=5), school_year=world.year, consent_rule=consent_rule,
        default_battery=False,
    )  # fmt: skip
    if battery:
        BatteryEntry.objects.create(
            campaign=c, grade_from=4, grade_to=12, instrument_id="asq", instrument_version="1.0"
        )
    return c


def _targeted(c: Campaign) -> set[str]:
    return set(services.target_enrollments(c).values_list("student__name", flat=True))


def _target(world, c, *, units=(), classes=(), grades=()):
    return services.set_targeting(
        by=world.district_officer, campaign=c, unit_ids=[u.pk for u in units], class_ids=[k.pk for k in classes],
        grades=list(grades),
    )  # fmt: skip


def test_nothing_chosen_screens_every_student_of_the_organisers_schools_in_its_grades(world):
    c = _draft(world)
    # 海淀: school A's three fifth-graders and 育英's fourth-grader; 朝阳's student is not 海淀's.
    assert _targeted(c) == {"李小明", "王小红", "张小华", "赵小丽"}


def test_a_chosen_school_is_screened_alone(world):
    c = _target(world, _draft(world), units=[world.school_b])
    assert _targeted(c) == {"赵小丽"}


def test_chosen_grades_narrow_to_those_grades(world):
    c = _target(world, _draft(world), grades=[5])
    assert _targeted(c) == {"李小明", "王小红", "张小华"}
    assert (c.grade_from, c.grade_to, services.targeted_grades(c)) == (5, 5, [5])


def test_a_chosen_class_is_screened_whole_beside_a_chosen_school(world):
    c = _target(world, _draft(world), units=[world.school_b], classes=[world.a2])
    assert _targeted(c) == {"赵小丽", "张小华"}  # 育英, and class 五年级2班 of school A (not 五年级1班)


def test_a_class_alone_is_only_that_class(world):
    c = _target(world, _draft(world), classes=[world.a1])
    assert _targeted(c) == {"李小明", "王小红"}


def test_a_school_whose_grades_are_not_chosen_adds_nobody(world):
    c = _target(world, _draft(world), units=[world.school_a], grades=[4])
    assert _targeted(c) == set()


@pytest.mark.parametrize("where", ["unit", "class"])
def test_a_school_or_class_outside_the_organiser_is_refused_and_nothing_changes(world, where):
    c = _target(world, _draft(world), units=[world.school_b])
    with pytest.raises(ScreeningError):
        if where == "unit":
            _target(world, c, units=[world.school_c], grades=[7])
        else:
            _target(world, c, classes=[world.c1])
    c.refresh_from_db()
    assert list(c.target_units.all()) == [world.school_b] and c.target_grades == []
    assert _targeted(c) == {"赵小丽"}


def test_a_grade_outside_1_to_12_is_refused(world):
    with pytest.raises(ScreeningError):
        _target(world, _draft(world), grades=[13])


def test_the_counts_say_how_many_students_and_guardian_consents_the_launch_concerns(world):
    c = _draft(world)  # every 海淀 student is 11: under 14, so each guardian must consent
    s = services.launch_summary(c)
    assert (s.students, s.consents, s.schools, s.classes, s.by_grade) == (4, 4, 2, 3, {4: 1, 5: 3})
    notice = _target(world, _draft(world, consent_rule=ConsentRule.NOTICE_ALL), classes=[world.a1])
    s = services.launch_summary(notice)
    assert (s.students, s.consents, s.schools, s.classes) == (2, 0, 1, 1)


def test_the_launch_assigns_exactly_the_targeted_students(world):
    c = _target(world, _draft(world), units=[world.school_b], classes=[world.a2])
    services.launch_campaign(
        by=world.district_officer, campaign=c, confirmed=services.launch_summary(c).fingerprint
    )
    got = set(Assignment.objects.filter(campaign=c).values_list("student__name", "school_class__name"))
    assert got == {("赵小丽", "四年级1班"), ("张小华", "五年级2班")}


def test_a_launch_without_confirmation_does_nothing(world):
    c = _draft(world)
    for confirmed in ("", "not-the-counts-shown"):
        with pytest.raises(ScreeningError):
            services.launch_campaign(by=world.district_officer, campaign=c, confirmed=confirmed)
    c.refresh_from_db()
    assert c.status == CampaignStatus.DRAFT and not Assignment.objects.filter(campaign=c).exists()


def test_a_confirmation_of_other_students_launches_nothing(world):
    c = _draft(world)
    seen = services.launch_summary(c).fingerprint  # the organiser saw 4 students …
    _target(world, c, units=[world.school_b])  # … then the targeting changed (another tab): 1 student
    with pytest.raises(ScreeningError) as exc:
        services.launch_campaign(by=world.district_officer, campaign=c, confirmed=seen)
    assert exc.value.status == 409
    c.refresh_from_db()
    assert c.status == CampaignStatus.DRAFT and not Assignment.objects.filter(campaign=c).exists()


def test_the_launch_button_shows_the_counts_first_and_launches_only_once_confirmed(world, login):
    c = _draft(world)
    client = login(world.district_officer)
    url = reverse("screening:campaign", args=[c.pk])
    page = client.post(url, {"action": "launch"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "确认发布" in html and 'data-figure="students"><dt>' in html
    assert "<dd>4</dd>" in html  # 4 students, 4 guardian consents
    c.refresh_from_db()
    assert c.status == CampaignStatus.DRAFT and not Assignment.objects.filter(campaign=c).exists()
    fingerprint = services.launch_summary(c).fingerprint
    assert f'value="{fingerprint}"' in html
    assert client.post(url, {"action": "launch", "confirmed": fingerprint}).status_code == 302
    c.refresh_from_db()
    assert c.status == CampaignStatus.LAUNCHED and Assignment.objects.filter(campaign=c).count() == 4


def test_the_targeting_form_saves_schools_classes_and_grades(world, login):
    c = _draft(world)
    client = login(world.district_officer)
    url = reverse("screening:campaign", args=[c.pk])
    got = client.post(url, {"action": "targeting", "units": [world.school_b.pk], "classes": [world.a1.pk]})
    assert got.status_code == 302
    assert _targeted(c) == {"赵小丽", "李小明", "王小红"}
    bad = client.post(url, {"action": "targeting", "units": [world.school_c.pk]})
    assert bad.status_code == 400 and "组织单位" in bad.content.decode()
    assert _targeted(c) == {"赵小丽", "李小明", "王小红"}


def test_the_preview_shows_each_grade_what_its_students_will_answer_and_never_the_clinical_title(
    world, login
):
    c = _draft(world, battery=False)
    BatteryEntry.objects.create(
        campaign=c, grade_from=4, grade_to=4, instrument_id="who-5", instrument_version="1.0"
    )
    BatteryEntry.objects.create(campaign=c, grade_from=5, grade_to=12, instrument_id="asq", instrument_version="1.0",
                                order=1)  # fmt: skip
    html = (
        login(world.district_officer).get(reverse("screening:campaign_preview", args=[c.pk])).content.decode()
    )
    four = html[html.index('id="grade-4"') : html.index('id="grade-5"')]
    five = html[html.index('id="grade-5"') :]
    assert "我感到快乐，心情舒畅" in four and "最近的想法" not in four  # WHO-5 for grade 4 only
    assert "最近的想法" in five and "我感到快乐" not in five  # the ASQ under its student title
    assert "自杀风险筛查问题" not in html  # the clinical title is never what a student sees
    assert "1名学生" in four and "3名学生" in five
    assert "disabled" in five  # nothing can be answered in a preview


def test_the_preview_says_when_a_targeted_grade_has_nothing_to_answer(world, login):
    c = _draft(world, battery=False)
    BatteryEntry.objects.create(
        campaign=c, grade_from=5, grade_to=5, instrument_id="asq", instrument_version="1.0"
    )
    html = (
        login(world.district_officer).get(reverse("screening:campaign_preview", args=[c.pk])).content.decode()
    )
    four = html[html.index('id="grade-4"') : html.index('id="grade-5"')]
    assert "data-empty" in four
