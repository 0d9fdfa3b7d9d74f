"""Issue 15: a district's level rules (预警规则) — wired into the submit, versioned, audited, new results only;
the editor for the district's clinical leads refuses bad input and leaves the data as it was."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from access.models import AuditEvent
from screening.battery import services as battery_services
from screening.campaigns import services
from screening.campaigns.tests.campaign_helpers import launched_campaign, started
from screening.instruments.scoring import LevelRule, LevelRules
from screening.models import LevelRuleSet, Result
from screening.rules import services as rules_services
from screening.rules.forms import initial_rows
from screening.rules.level_rules import rules_json

PHQ9_TWELVE = {
    "q1": 2,
    "q2": 2,
    "q3": 2,
    "q4": 2,
    "q5": 2,
    "q6": 2,
    "q7": 0,
    "q8": 0,
    "q9": 0,
}  # total 12: yellow
STRICTER = LevelRules(
    rules=[
        *LevelRules.default().rules,
        LevelRule(level="orange", when="score", instruments=["phq-9"], score="total", op=">=", value=10),
    ]
)


def _submit(world, campaign, instrument: str, answers: dict, key: str) -> Result:
    _a, responses = started(world, campaign)
    r = next(x for x in responses if x.instrument_id == instrument)
    for item, value in answers.items():
        services.save_answer(user=world.student, response_id=r.pk, item_id=item, value=value)
    return services.submit_response(user=world.student, response_id=r.pk, idempotency_key=key).result


def _change(world, rules: LevelRules, *, based_on=0, by=None, reason="区中心复核后收紧 PHQ-9 界值"):
    return rules_services.change_level_rules(
        by=by or world.district_counselor, district=world.haidian, rules=rules_json(rules), reason=reason,
        based_on=based_on,
    )  # fmt: skip


# --- production: the submit scores by the rules in force ------------------------------------------------------


def test_a_districts_rule_change_rates_new_results_only(world):
    from care.models import Alert

    before = _submit(world, launched_campaign(world, instruments=("phq-9",)), "phq-9", PHQ9_TWELVE, "k1")
    assert before.level == "yellow" and before.rule_set is None  # the built-in defaults

    saved = _change(world, STRICTER)
    after = _submit(world, launched_campaign(world, instruments=("phq-9",)), "phq-9", PHQ9_TWELVE, "k2")

    assert after.level == "orange" and after.rule_set == saved
    assert "PHQ-9 总分 12 ≥ 10" in " ".join(r["text"]["zh-hans"] for r in after.flags["reasons"])
    assert Alert.objects.get(source_type="screening.result", source_id=str(after.pk)).level == "orange"
    before.refresh_from_db()
    assert before.level == "yellow" and before.rule_set is None  # an old result keeps its level and its rules
    assert not Alert.objects.filter(source_id=str(before.pk)).exists()


def test_another_districts_rules_do_not_rate_this_districts_sheets(world):
    rules_services.change_level_rules(
        by=world.other_district_officer, district=world.chaoyang, rules=rules_json(STRICTER), reason="朝阳",
        based_on=0,
    )  # fmt: skip
    got = _submit(world, launched_campaign(world, instruments=("phq-9",)), "phq-9", PHQ9_TWELVE, "k")
    assert got.level == "yellow" and got.rule_set is None


def test_a_rescore_keeps_the_rules_each_sheet_was_rated_by(world):
    old = _submit(world, launched_campaign(world, instruments=("phq-9",)), "phq-9", PHQ9_TWELVE, "k1")
    saved = _change(world, STRICTER)
    new = _submit(world, launched_campaign(world, instruments=("phq-9",)), "phq-9", PHQ9_TWELVE, "k2")
    Result.objects.filter(pk__in=[old.pk, new.pk]).update(instrument_version="0.9")  # as if an older version

    call_command("rescore", "--instrument", "phq-9", "--to-version", "1.0", stdout=StringIO())

    again_old = Result.objects.get(response=old.response, instrument_version="1.0")
    again_new = Result.objects.get(response=new.response, instrument_version="1.0")
    assert (again_old.level, again_old.rule_set_id) == ("yellow", None)
    assert (again_new.level, again_new.rule_set_id) == ("orange", saved.pk)


def test_the_submit_reads_the_rules_in_force_without_a_query_more(world, login, django_assert_num_queries):
    """The submit is the heaviest request of a screening day: the rules in force come with the locked response."""

    def submit_count(campaign, key) -> int:
        _a, responses = started(world, campaign)
        r = next(x for x in responses if x.instrument_id == "gad-7")
        for n in range(1, 8):
            services.save_answer(user=world.student, response_id=r.pk, item_id=f"q{n}", value=0)
        client = login(world.student)
        url = reverse("screening:submit", kwargs={"pk": r.pk})
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            got = client.post(url, data=json.dumps({"key": key}), content_type="application/json")
        assert got.status_code == 200
        return len(ctx.captured_queries)

    without = submit_count(launched_campaign(world, instruments=("gad-7",)), "a")
    _change(world, STRICTER)
    with_rules = submit_count(launched_campaign(world, instruments=("gad-7",)), "b")
    assert with_rules == without


def test_across_a_battery_the_students_level_is_the_highest_of_the_sheets(world):
    from care.models import Alert
    from screening.campaigns.selectors import review_queue

    campaign = launched_campaign(world, instruments=("asq", "gad-7", "phq-9"))
    levels = [
        _submit(world, campaign, "asq", {"q1": 0, "q2": 0, "q3": 1, "q4": 0, "q5": 0}, "a").level,
        _submit(world, campaign, "gad-7", {f"q{n}": 2 for n in range(1, 8)}, "g").level,
        _submit(world, campaign, "phq-9", {f"q{n}": 0 for n in range(1, 10)}, "p").level,
    ]
    assert levels == ["orange", "yellow", "none"]
    (row,) = review_queue(world.psych)
    assert row.level == "orange"
    assert {a.level for a in Alert.objects.filter(student=world.student_a1)} == {"orange"}


def test_the_walk_of_issue_15_raises_a_red_alert_with_chinese_reasons(world):
    """PHQ-A item 9 = 几乎每天, past-month serious thoughts = 是, lifetime attempt = 是 (it was orange)."""
    from care.models import Alert

    battery_services.record_licence(by=world.district_admin, district=world.haidian, instrument_id="phq-a")
    sheet = {f"q{n}": 0 for n in range(1, 9)} | {"q9": 3, "past_year": 1, "difficulty": 2}
    sheet |= {"past_month_thoughts": 1, "ever_attempted": 1}
    got = _submit(world, launched_campaign(world, instruments=("phq-a",)), "phq-a", sheet, "walk")
    assert got.level == "red"
    alert = Alert.objects.get(source_type="screening.result", source_id=str(got.pk))
    assert alert.level == "red"
    words = " ".join(r["text"]["zh-hans"] for r in alert.reasons)
    assert "过去一个月的自杀念头" in words and "自杀尝试" in words


def test_every_change_is_a_new_audited_version_with_its_reason(world):
    first = _change(world, STRICTER)
    second = rules_services.change_level_rules(
        by=world.district_officer, district=world.haidian, rules=None, reason="新学期恢复默认", based_on=1,
        restore_defaults=True,
    )  # fmt: skip
    assert (first.version, second.version) == (1, 2) and second.is_default
    assert LevelRules.model_validate(second.rules) == LevelRules.default()
    events = AuditEvent.objects.filter(action="screening.level_rules.change").order_by("seq")
    assert [(e.object_id, e.reason) for e in events] == [
        (str(first.pk), "区中心复核后收紧 PHQ-9 界值"),
        (str(second.pk), "新学期恢复默认"),
    ]


def test_a_save_over_a_newer_version_is_refused(world):
    _change(world, STRICTER)
    with pytest.raises(services.ScreeningError) as exc:
        _change(world, LevelRules.default(), based_on=0, by=world.district_officer)
    assert exc.value.status == 409
    assert LevelRuleSet.objects.filter(district=world.haidian).count() == 1


# --- the editor ---------------------------------------------------------------------------------------------


def _formset(
    rows: list[dict], reason: str = "复核后调整", action: str = "preview", based_on: int = 0
) -> dict:
    data = {
        "rule-TOTAL_FORMS": str(len(rows)),
        "rule-INITIAL_FORMS": str(len(rows)),
        "rule-MIN_NUM_FORMS": "0",
        "rule-MAX_NUM_FORMS": "1000",
        "reason": reason,
        "action": action,
        "based_on": str(based_on),
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            if value is None:
                continue
            data[f"rule-{i}-{key}"] = value
    return data


def _url(world, district=None):
    return reverse("screening:level_rules", kwargs={"pk": (district or world.haidian).pk})


NEW_ROW = {
    "level": "orange",
    "when": "score",
    "instrument": "phq-9",
    "score": "phq-9:total",
    "op": ">=",
    "value": "10",
}


def test_a_district_counselor_changes_the_rules_after_a_confirmation(world, login):
    client = login(world.district_counselor)
    page = client.get(reverse("screening:level_rules_home"), follow=True)
    text = page.content.decode()
    assert page.status_code == 200
    assert "预警规则" in text and "内置默认规则" in text  # the defaults in force, said in Chinese
    assert (
        "青少年患者健康问卷（PHQ-A）" in text and "附加题“自杀尝试”" in text
    )  # instruments and items by name

    preview = client.post(_url(world), _formset([*initial_rows(LevelRules.default()), NEW_ROW]))
    assert preview.status_code == 200
    assert "确认" in preview.content.decode() and "新增" in preview.content.decode()
    assert not LevelRuleSet.objects.exists()  # nothing saved before the confirmation

    form = {k: preview.context[k] for k in ("rules_json", "reason", "based_on")}
    saved = client.post(
        _url(world),
        {
            "action": "save",
            "rules": form["rules_json"],
            "reason": form["reason"],
            "based_on": form["based_on"],
        },
        follow=True,
    )
    (rs,) = LevelRuleSet.objects.filter(district=world.haidian)
    assert rs.version == 1 and rs.created_by == world.district_counselor and rs.reason == "复核后调整"
    assert LevelRules.model_validate(rs.rules) != LevelRules.default()
    text = saved.content.decode()
    assert "第 1 版" in text and "复核后调整" in text and "海淀咨询中心" in text  # message and history
    assert AuditEvent.objects.filter(action="screening.level_rules.change", object_id=str(rs.pk)).exists()


def test_restore_defaults_is_confirmed_and_becomes_a_version(world, login):
    _change(world, STRICTER)
    client = login(world.district_officer)
    preview = client.post(_url(world), {"action": "defaults", "reason": "恢复默认", "based_on": "1"})
    assert preview.status_code == 200 and LevelRuleSet.objects.count() == 1
    ctx = preview.context
    client.post(
        _url(world),
        {
            "action": "save",
            "rules": ctx["rules_json"],
            "reason": "恢复默认",
            "based_on": "1",
            "restore_defaults": "1",
        },
    )
    latest = LevelRuleSet.objects.get(version=2)
    assert latest.is_default and LevelRules.model_validate(latest.rules) == LevelRules.default()


BAD_ROWS = {
    "an unknown instrument": ({**NEW_ROW, "instrument": "xyz", "score": "xyz:total"}, "没有“xyz”这个量表"),
    "a score the instrument lacks": ({**NEW_ROW, "score": "scared-c:panic_somatic"}, "不属于"),
    "a threshold outside the range": ({**NEW_ROW, "value": "40"}, "超出了"),
    "a lower-is-worse rule on a score with a suicide item": ({**NEW_ROW, "op": "<="}, "请用"),
    "a count larger than the answers chosen": (
        {
            "level": "red",
            "when": "critical_count",
            "instrument": "phq-a",
            "critical": ["phq-a:item9"],
            "min_count": "2",
        },
        "至少为 2",
    ),
}


@pytest.mark.parametrize("case", list(BAD_ROWS), ids=list(BAD_ROWS))
def test_the_editor_refuses_bad_input_with_a_chinese_message_and_saves_nothing(world, login, case):
    saved = _change(world, STRICTER)
    row, message = BAD_ROWS[case]
    client = login(world.district_counselor)
    got = client.post(_url(world), _formset([*initial_rows(STRICTER), row], based_on=1))
    assert got.status_code == 400
    assert message in got.content.decode() and "未保存" in got.content.decode()
    # the same rules sent straight to "save" (a crafted form) are refused too
    bad = {"rules": [*rules_json(STRICTER)["rules"], _as_rule(row)]}
    got = client.post(
        _url(world), {"action": "save", "rules": json.dumps(bad), "reason": "x", "based_on": "1"}
    )
    assert got.status_code == 400 and message in got.content.decode()
    assert list(LevelRuleSet.objects.values_list("pk", flat=True)) == [saved.pk]


def _as_rule(row: dict) -> dict:
    out = {"level": row["level"], "when": row["when"], "instruments": [row["instrument"]]}
    if row["when"] == "score":
        prefix, _sep, score = row["score"].rpartition(":")
        out |= {
            "score": score if prefix == row["instrument"] else row["score"],
            "op": row["op"],
            "value": float(row["value"]),
        }
    else:
        out |= {"critical": [c.split(":")[1] for c in row["critical"]], "min_count": int(row["min_count"])}
    return out


def test_the_editor_refuses_a_change_without_a_reason(world, login):
    client = login(world.district_counselor)
    got = client.post(_url(world), _formset([*initial_rows(LevelRules.default()), NEW_ROW], reason=""))
    assert got.status_code == 400 and "请填写修改原因" in got.content.decode()
    got = client.post(
        _url(world),
        {"action": "save", "rules": json.dumps(rules_json(STRICTER)), "reason": " ", "based_on": "0"},
    )
    assert got.status_code == 400 and "请填写修改原因" in got.content.decode()
    assert not LevelRuleSet.objects.exists()


def test_the_editor_refuses_rules_that_would_rate_a_suicide_answer_below_orange(world, login):
    client = login(world.district_officer)
    weaker = {"rules": [{"level": "red", "when": "acute"}, {"level": "yellow", "when": "critical"}]}
    got = client.post(
        _url(world), {"action": "save", "rules": json.dumps(weaker), "reason": "试试", "based_on": "0"}
    )
    assert got.status_code == 400 and "至少应提示为橙" in got.content.decode()
    assert not LevelRuleSet.objects.exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("class_teacher", 403), ("other_district_officer", 404), ("city_officer", 403), ("district_admin", 403)],
)
def test_only_the_districts_clinical_leads_open_or_post_its_editor(world, login, persona, status):
    client = login(getattr(world, persona))
    assert client.get(_url(world)).status_code == status
    got = client.post(
        _url(world),
        {"action": "save", "rules": json.dumps(rules_json(STRICTER)), "reason": "x", "based_on": "0"},
    )
    assert got.status_code == status
    assert not LevelRuleSet.objects.exists()


def test_the_district_users_navigation_links_the_editor(world, login):
    for persona in ("district_counselor", "district_officer"):
        page = login(getattr(world, persona)).get(reverse("web:home"))
        assert reverse("screening:level_rules_home") in page.content.decode()
    page = login(world.class_teacher).get(reverse("web:home"))
    assert reverse("screening:level_rules_home") not in page.content.decode()


def test_the_demo_district_has_a_rule_history_with_reasons(db):
    from django.core.management import call_command as run

    from org.demo.logins import DEMO_DISTRICT_CODE

    run("seed_demo", students=120, seed=1, not_production=True, stdout=StringIO())
    versions = list(LevelRuleSet.objects.filter(district__code=DEMO_DISTRICT_CODE).order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert all(v.reason for v in versions)
    assert {v.created_by.username for v in versions} == {"district_counselor", "district_officer"}
    assert LevelRules.model_validate(versions[1].rules) != LevelRules.default()


def test_a_preview_of_unchanged_rules_says_there_is_nothing_to_save(world, login):
    client = login(world.district_officer)
    got = client.post(_url(world), _formset(initial_rows(LevelRules.default())))
    assert got.status_code == 400 and "无需保存" in got.content.decode()
    assert not LevelRuleSet.objects.exists()
