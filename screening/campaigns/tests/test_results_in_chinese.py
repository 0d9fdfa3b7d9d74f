"""The second-stage review — where the teacher decides — speaks Chinese (issue 15, point 7): the instrument by
its name, every score by its name with its band, the thresholds crossed ("总分 31 ≥ 25（原版界值）"), and why a
sheet is not valid (too fast, the same answer on every item) — no machine id (``scared-c``, ``total``,
``panic_somatic``, ``raw``) anywhere on the page. The other staff pages that show results (the results list, the
student file, the guardian's copy) name things the same way."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from screening import instruments
from screening.battery import services as battery_services
from screening.campaigns import services
from screening.campaigns.tests.campaign_helpers import launched_campaign
from screening.models import Answer, Assignment

MACHINE = re.compile(
    r"scared-c|who-5|ces-dc|gad-7|panic_somatic|school_avoidance|generalized|separation|\btotal\b|\braw\b|"
    r"\bpercent\b|\bbelow\b|\belevated\b|poor_wellbeing|straight_line|too_fast|not_scorable"
)


def _text_of(html: str) -> str:
    """What a reader sees: the page without its tags, scripts and attributes."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def _answer(response, values: dict, seconds: float = 4.0) -> None:
    Answer.objects.bulk_create(
        [Answer(response=response, item_id=k, value=v, seconds=seconds) for k, v in values.items()]
    )


@pytest.fixture
def scored(world):
    """Student A1 answered SCARED (anxious: every item 1), WHO-5 too fast (0.5 s an item) and CES-DC with the same
    answer on all 20 items; each sheet submitted through the real scoring."""
    for iid in ("scared-c", "who-5", "ces-dc"):
        battery_services.record_licence(by=world.district_admin, district=world.haidian, instrument_id=iid)
    campaign = launched_campaign(world, instruments=("scared-c", "who-5", "ces-dc"))
    a = Assignment.objects.get(campaign=campaign, student=world.student_a1)
    responses = {
        r.instrument_id: r for r in services.record_assent(user=world.student, assignment=a, agreed=True)
    }
    _answer(responses["scared-c"], {f"q{n}": 1 for n in range(1, 42)})
    _answer(responses["who-5"], {f"q{n}": 3 for n in range(1, 6)}, seconds=0.5)
    _answer(responses["ces-dc"], {f"q{n}": 1 for n in range(1, 21)})
    for iid, r in responses.items():
        services.submit_response(user=world.student, response_id=r.pk, idempotency_key=f"zh-{iid}")
    return a


def test_the_review_page_names_the_instrument_scores_bands_and_thresholds_crossed_in_chinese(
    world, login, scored
):
    page = _text_of(login(world.psych).get(reverse("screening:review", args=[scored.pk])).content.decode())
    assert "儿童焦虑性情绪障碍筛查量表（SCARED，儿童版）" in page
    for name in ("总分", "惊恐/躯体化", "广泛性焦虑", "分离焦虑", "社交焦虑", "学校回避", "达到界值"):
        assert name in page, name
    assert "总分 41 ≥ 25（原版界值）" in page  # 41 items × 1 against the original cut-off
    assert "原始分" in page and "百分制得分" in page  # WHO-5's scores by name


def test_the_review_page_says_why_a_sheet_is_not_valid(world, login, scored):
    page = _text_of(login(world.psych).get(reverse("screening:review", args=[scored.pk])).content.decode())
    assert "答卷无效的原因" in page
    assert "作答过快：每题用时中位数 0.5 秒，低于 1 秒" in page  # WHO-5
    assert "20 题答案完全相同（含反向计分题），答卷不可信" in page  # CES-DC


def test_no_machine_id_is_on_the_review_page(world, login, scored, django_assert_max_num_queries):
    client = login(world.psych)
    with django_assert_max_num_queries(10):
        html = client.get(reverse("screening:review", args=[scored.pk])).content.decode()
    assert MACHINE.findall(_text_of(html)) == []


def test_the_results_list_names_instruments_and_scores_in_chinese(world, login, scored):
    page = login(world.psych).get(reverse("screening:results", args=[scored.campaign_id]))
    text = _text_of(page.content.decode())
    assert "儿童焦虑性情绪障碍筛查量表（SCARED，儿童版）" in text and "惊恐/躯体化" in text
    assert MACHINE.findall(text) == []


def test_the_student_file_names_scores_in_chinese(world, login, scored):
    page = login(world.psych).get(reverse("care:file_detail", args=[world.student_a1.pk]))
    assert page.status_code == 200
    text = _text_of(page.content.decode())
    assert "惊恐/躯体化" in text
    assert MACHINE.findall(text) == []


def test_the_guardians_copy_names_instruments_scores_and_bands(world, scored):
    from screening.campaigns.providers import results_section
    from screening.models import Campaign, StudentView

    Campaign.objects.filter(pk=scored.campaign_id).update(student_view=StudentView.SCORES)
    section = results_section(world.student_a1, world.guardian)
    cells = " ".join(str(v) for row in section.rows for v in row.values())
    assert "儿童焦虑性情绪障碍筛查量表（SCARED，儿童版）" in cells and "惊恐/躯体化：达到界值" in cells
    assert MACHINE.findall(cells) == []


def test_every_score_and_band_of_every_instrument_has_a_chinese_label():
    for inst in instruments.catalogue():
        for s in inst.scores:
            assert re.search(r"[\u4e00-\u9fff]", s.label["zh-hans"]), (inst.id, s.id)
            for b in s.bands:
                assert re.search(r"[\u4e00-\u9fff]", b.label["zh-hans"]), (inst.id, s.id, b.code)


def test_the_campaign_page_names_instruments_and_cut_off_variants_and_refuses_another_instruments_variant(
    world, login, django_assert_max_num_queries
):
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    campaign = services.create_campaign(by=world.district_officer, organiser=world.haidian, name="测评",
                                        starts_at=now, ends_at=now + dt.timedelta(days=3), school_year=world.year)  # fmt: skip
    client = login(world.district_officer)
    url = reverse("screening:campaign", args=[campaign.pk])
    form = {"action": "battery", "grade_from": 4, "grade_to": 6, "instrument_id": "scared-c"}
    assert client.post(url, {**form, "variant": "chinese_urban"}).status_code == 302
    # 12, and a draft's targeting form with its counts (issue 20): its chosen units and classes, the units and
    # classes to choose from, the targeted students — five, whatever the battery.
    with django_assert_max_num_queries(17):
        text = _text_of(client.get(url).content.decode())
    assert "中国城市常模界值 ≥23" in text and "儿童焦虑性情绪障碍筛查量表（SCARED，儿童版）" in text
    assert MACHINE.findall(text) == [] and "chinese_urban" not in text and "adolescent" not in text
    before = list(campaign.battery.values_list("pk", "variant"))
    got = client.post(
        url, {**form, "instrument_id": "phq-a", "grade_from": 7, "grade_to": 12, "variant": "chinese_urban"}
    )
    assert got.status_code == 400 and "该量表没有这个界值方案" in got.content.decode()
    assert list(campaign.battery.values_list("pk", "variant")) == before
