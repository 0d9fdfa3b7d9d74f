"""Students read neutral titles ("心情小问卷"), never the clinical ones ("青少年患者健康问卷") — issue 15, point 7.

Every page a student sees on the way through a campaign (the list, the assent, each questionnaire, the done page
with their own scores) and the student API are walked with every shipped instrument in the battery."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from screening import instruments
from screening.campaigns.tests.campaign_helpers import launched_campaign
from screening.models import Assignment, Campaign, StudentView

ALL = sorted({i.id for i in instruments.catalogue()})
# Licensed instruments are blocked at launch until a licence is recorded (tested elsewhere): recorded here.
LICENSED = [i.id for i in instruments.catalogue() if i.licence != "free"]


def _clinical_titles() -> set[str]:
    """Every clinical title in both languages, and the Chinese name without its bracketed abbreviation
    ("青少年患者健康问卷" of "青少年患者健康问卷（PHQ-A）")."""
    out: set[str] = set()
    for inst in instruments.catalogue():
        for lang in ("zh-hans", "en"):
            out.add(inst.title[lang])
        out.add(re.split(r"[（(]", inst.title["zh-hans"])[0])
    return out


def test_every_instrument_has_a_neutral_student_title_beside_its_clinical_title():
    clinical = _clinical_titles()
    for inst in instruments.catalogue():
        for lang in ("zh-hans", "en"):
            title = inst.student_title[lang]
            assert title and title not in clinical, inst.id
            assert inst.abbr not in title, inst.id
        assert not re.search("量表|障碍|抑郁|焦虑|自杀|患者|症状", inst.student_title["zh-hans"]), inst.id


def test_a_definition_without_a_student_title_does_not_load(tmp_path):
    source = (instruments.DEFINITIONS / "gad-7@1.0.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "gad-7@1.0.yaml"
    broken.write_text(re.sub(r"^student_title: .*\n", "", source, flags=re.M), encoding="utf-8")
    with pytest.raises(instruments.DefinitionError, match="student_title"):
        instruments.load_file(broken)


@pytest.fixture
def everything(world):
    from screening.battery import services as battery_services

    for iid in LICENSED:
        battery_services.record_licence(by=world.district_admin, district=world.haidian, instrument_id=iid)
    campaign = launched_campaign(world, instruments=tuple(ALL))
    Campaign.objects.filter(pk=campaign.pk).update(student_view=StudentView.SCORES)
    return Assignment.objects.get(campaign=campaign, student=world.student_a1)


def test_no_student_page_or_student_api_answer_contains_a_clinical_title(world, login, everything):
    a = everything
    client = login(world.student)
    clinical = _clinical_titles()
    seen: list[tuple[str, str]] = []

    def check(what: str, body: str) -> None:
        found = [t for t in clinical if t in body]
        assert found == [], f"{what} shows clinical titles {found}"
        seen.append((what, body))

    check("home", client.get(reverse("web:home")).content.decode())
    check("my screenings", client.get(reverse("screening:mine")).content.decode())
    check("assent", client.get(reverse("screening:answer", args=[a.pk])).content.decode())
    client.post(reverse("screening:answer", args=[a.pk]), {"agree": "1"})
    check("api list", client.get("/api/screening/assignments").content.decode())
    titles_shown = []
    for step in range(len(ALL)):
        page = client.get(reverse("screening:answer", args=[a.pk]))
        assert page.status_code == 200, step
        html = page.content.decode()
        check(f"questionnaire {step + 1}", html)
        rid = re.search(r'data-response="(\d+)"', html).group(1)
        api = client.get(f"/api/screening/responses/{rid}")
        check(f"api questionnaire {step + 1}", api.content.decode())
        titles_shown.append(api.json()["title"])
        got = client.post(
            reverse("screening:submit", args=[rid]),
            data=json.dumps({"key": f"titles-{rid}"}),
            content_type="application/json",
        )
        assert got.status_code == 200, got.content
    listed = client.get("/api/screening/assignments")
    check("api list after answering", listed.content.decode())
    assert sorted(r["title"] for r in listed.json()[0]["responses"]) == sorted(titles_shown)
    done = client.get(reverse("screening:done", args=[a.pk]))
    assert done.status_code == 200
    check("done", done.content.decode())
    # what the student read instead: each instrument's neutral title
    assert sorted(titles_shown) == sorted(instruments.load(i).student_title["zh-hans"] for i in ALL)
    assert "心情小问卷" in done.content.decode()
    assert len(seen) == 2 * len(ALL) + 6


def test_staff_pages_keep_the_clinical_title(world, login):
    campaign = launched_campaign(world, instruments=("gad-7",))
    page = login(world.district_officer).get(reverse("screening:campaign", args=[campaign.pk]))
    assert "广泛性焦虑量表（GAD-7）" in page.content.decode()
