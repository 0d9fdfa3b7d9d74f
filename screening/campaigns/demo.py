"""seed_demo (issue 18, build 6): a finished district campaign with results at every level, second-stage talks,
and a follow-up screening of the demo class now open with a guardian's consent request.

Written through the campaign services (create, launch, open the responses, score — which raises the alerts —,
the psychological teachers' reviews, absences); only the students' answers are written in bulk, as a paper
sheet keyed in would be: the demo students have no accounts to answer with. Deterministic: one
``random.Random`` per run, students in primary-key order.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from org.demo.logins import DEMO_DISTRICT_CODE, DEMO_SCHOOL_CODE, OTHER_DISTRICT_CODE
from org.models import Node, NodeKind, Post, Role, SchoolYear, User
from screening.campaigns import services
from screening.campaigns.models import (
    Assignment,
    ConsentRule,
    NextStep,
    Response,
    Result,
    StudentView,
)
from screening.instruments import load
from screening.instruments.scoring import visible_items

SEED = 18


def _answers(instrument, distress: float, rng: random.Random) -> dict[str, int]:
    """Answers of a student with ``distress`` in [0, 1]: higher options for distressed students (reversed items
    the other way); a critical item (self-harm, the suicide-risk questions) only for the most distressed; the
    conditional items only when the sheet shows them."""
    critical = {i for rule in instrument.critical for i in rule.items}
    answers: dict[str, int] = {}
    for item in instrument.items:
        if item.show_if is not None:
            continue
        values = [o.value for o in item.response_set]
        level = distress if item.id not in critical else (distress if distress > 0.9 else 0.0)
        pos = level * (len(values) - 1) + rng.uniform(-0.45, 0.45)
        idx = min(len(values) - 1, max(0, round(pos)))
        answers[item.id] = values[len(values) - 1 - idx if item.reverse else idx]
    for item in visible_items(instrument, answers):
        if item.id not in answers:
            values = [o.value for o in item.response_set]
            answers[item.id] = values[-1] if distress > 0.9 else values[0]
    return answers


def _distress(rng: random.Random) -> float:
    """Most students are well; about one in ten has marked symptoms, one in fifty a high score."""
    r = rng.random()
    if r < 0.02:
        return rng.uniform(0.85, 1.0)
    if r < 0.10:
        return rng.uniform(0.5, 0.8)
    return rng.uniform(0.0, 0.35)


def _psych_of(school: Node) -> User | None:
    post = Post.objects.active().filter(role=Role.PSYCH_TEACHER, node=school).select_related("user").first()
    return post.user if post else None


def finished_campaign(*, progress: Callable[[str], None] = lambda _m: None) -> None:
    """The demo district's campaign, and the other district's (its officer's pages show their own)."""
    for code, username, seed in (
        (DEMO_DISTRICT_CODE, "district_officer", SEED),
        (OTHER_DISTRICT_CODE, "other_district_officer", SEED + 1),
    ):
        district = Node.objects.filter(kind=NodeKind.DISTRICT, code=code).first()
        officer = User.objects.filter(username=username).first()
        if district is not None and officer is not None:
            _district_campaign(district, officer, random.Random(seed), progress)
    _other_district_rules(progress)


def _other_district_rules(progress: Callable[[str], None]) -> None:
    """朝阳's psychological research officer has made GAD-7 severe anxiety an orange alert (a rules version)."""
    from screening.instruments.scoring import LevelRule, LevelRules
    from screening.rules.level_rules import rules_json
    from screening.rules.services import change_level_rules

    district = Node.objects.filter(kind=NodeKind.DISTRICT, code=OTHER_DISTRICT_CODE).first()
    officer = User.objects.filter(username="other_district_officer").first()
    if district is None or officer is None:
        return
    gad = LevelRule(level="orange", when="score", instruments=["gad-7"], score="total", op=">=", value=15)
    change_level_rules(
        by=officer,
        district=district,
        rules=rules_json(LevelRules(rules=[*LevelRules.default().rules, gad])),
        reason="区内复盘：GAD-7 重度焦虑（≥15）的学生需要一周内面谈，改为橙色预警。",
        based_on=None,
    )
    progress("screening: 朝阳's level rules changed once (GAD-7 severe → orange)")


def _district_campaign(
    district: Node, officer: User, rng: random.Random, progress: Callable[[str], None]
) -> None:
    year = SchoolYear.objects.order_by("-start_year").first()
    if year is None:
        return
    now = timezone.localtime()
    # The window: opened nine days ago at 08:00, closed yesterday at 17:00.
    opened = (now - dt.timedelta(days=9)).replace(hour=8, minute=0, second=0, microsecond=0)
    closed = (now - dt.timedelta(days=1)).replace(hour=17, minute=0, second=0, microsecond=0)
    campaign = services.create_campaign(
        by=officer,
        organiser=district,
        name=f"{year}学年秋季学生心理健康测评",
        starts_at=opened,
        ends_at=closed,
        school_year=year,
        consent_rule=ConsentRule.NOTICE_ALL,
        student_view=StudentView.BANDS,
        default_battery=False,
    )
    # A battery of free instruments (no licence to record): well-being, depression and anxiety, and the
    # suicide-risk questions for the older grades.
    for lo, hi, inst in ((4, 12, "who-5"), (4, 12, "gad-7"), (7, 12, "phq-9"), (7, 12, "asq")):
        services.set_battery_entry(campaign=campaign, grade_from=lo, grade_to=hi, instrument_id=inst)
    missing = services.unlicensed_instruments(campaign)
    for entry in campaign.battery.filter(instrument_id__in=missing):  # no licence recorded there: left out
        services.remove_battery_entry(campaign=campaign, entry_id=entry.pk)
    services.launch_campaign(
        by=officer, campaign=campaign, confirmed=services.launch_summary(campaign).fingerprint
    )
    assignments = list(
        Assignment.objects.filter(campaign=campaign)
        .select_related("student", "school")
        .order_by("student_id")
    )
    instruments: dict[str, object] = {}
    submitted = absent = unfinished = 0
    sheets: list[tuple[Response, dict, dt.datetime]] = []
    with transaction.atomic():
        present = []
        for a in assignments:
            r = rng.random()
            if r < 0.03:
                services.mark_absent(assignment=a, absent=True)  # 缺席
                absent += 1
                continue
            present.append((a, r, _distress(rng)))
        opened_sheets = services.open_responses_batch([a for a, _r, _d in present])
        for a, r, distress in present:
            responses = opened_sheets[a.pk]
            if r < 0.05:  # started, did not finish
                unfinished += 1
                continue
            at = opened + dt.timedelta(
                days=rng.randrange(5), hours=rng.randrange(1, 8), minutes=rng.randrange(60)
            )
            for resp in responses:
                key = (resp.instrument_id, resp.instrument_version)
                inst = instruments.setdefault(key, load(*key))
                resp.assignment = a
                sheets.append((resp, _answers(inst, distress, rng), at))
            submitted += 1
        # Keyed in as one batch: answers, the sheets submitted, then scored (alerts for red and orange).
        services.key_in_sheets(sheets, district_id=district.pk)
    services.close_campaign(campaign=campaign)
    progress(
        f"screening: {campaign.name}: {len(assignments)} students, {submitted} submitted, {absent} absent, "
        f"{unfinished} unfinished"
    )
    reviews(campaign, rng, progress)


def reviews(campaign, rng: random.Random, progress: Callable[[str], None]) -> None:
    """第二阶段: each school's psychological teacher talks with most students whose sheets came out red or orange
    (a few still wait in the queue): the confirmed level, and close, monitor, open a case or refer."""
    flagged = (
        Result.objects.filter(response__assignment__campaign=campaign, level__in=("red", "orange"))
        .select_related(
            "response__assignment__school",
            "response__assignment__student",
            "response__assignment__school_class",
        )
        .order_by("response__assignment__student_id", "pk")
    )
    seen: set[int] = set()
    waits_on: set[int] = set()  # campuses (or schools) with a student left waiting for the talk
    done = waiting = 0
    steps = [NextStep.OPEN_CASE, NextStep.MONITOR, NextStep.OPEN_CASE, NextStep.CLOSE, NextStep.REFER]
    for result in flagged:
        a = result.response.assignment
        if a.pk in seen:
            continue
        seen.add(a.pk)
        psych = _psych_of(a.school)
        where = a.school_class.campus_id if a.school_class_id and a.school_class.campus_id else a.school_id
        # The first student of each campus, and one in four after, still waits (the review queue has rows).
        if psych is None or where not in waits_on or len(seen) % 4 == 0:
            waits_on.add(where)
            waiting += 1
            continue
        step = steps[done % len(steps)]
        level = result.level if step in (NextStep.OPEN_CASE, NextStep.REFER) else "yellow"
        if step == NextStep.CLOSE:
            level = "none"
        talked = timezone.localtime() - dt.timedelta(days=rng.randrange(1, 4), hours=rng.randrange(1, 5))
        services.record_review(
            by=psych,
            assignment=a,
            talked_at=talked,
            outcome=rng.choice(
                (
                    "谈话中学生情绪低落，近两周睡眠差，与同学关系紧张。",
                    "学生表示最近考试压力大，家庭支持较好，愿意每周来心理辅导室。",
                    "学生作答时情绪波动，谈话后情况平稳，无自伤计划。",
                    "学生承认有过轻生念头，已告知家长并制订安全计划。",
                )
            ),
            confirmed_level=level,
            next_step=step,
        )
        done += 1
    progress(f"screening: {done} second-stage talks recorded, {waiting} students still wait for one")


def follow_up_screening(*, progress: Callable[[str], None] = lambda _m: None) -> None:
    """The demo school's follow-up screening of grade 5, open this week with guardian consent for everyone: the
    demo guardian has a consent request to answer and the demo student a questionnaire waiting for it."""
    school = Node.objects.filter(kind=NodeKind.SCHOOL, code=DEMO_SCHOOL_CODE).first()
    leader = User.objects.filter(username="leader").first()
    year = SchoolYear.objects.order_by("-start_year").first()
    if school is None or leader is None or year is None:
        return
    now = timezone.localtime()
    starts = (now - dt.timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    campaign = services.create_campaign(
        by=leader,
        organiser=school,
        name="五年级心理健康复测",
        starts_at=starts,
        ends_at=starts + dt.timedelta(days=8, hours=9),
        school_year=year,
        grade_from=5,
        grade_to=5,
        consent_rule=ConsentRule.ACTIVE_ALL,
        student_view=StudentView.BANDS,
        default_battery=False,
    )
    services.set_battery_entry(campaign=campaign, grade_from=5, grade_to=5, instrument_id="who-5")
    services.launch_campaign(
        by=leader, campaign=campaign, confirmed=services.launch_summary(campaign).fingerprint
    )
    issued = services.issue_consent_requests(campaign=campaign, school=school)
    progress(f"screening: {campaign.name} open, {len(issued)} consent requests to guardians")
