"""seed_demo (issue 18, build 6): supervision after the semester's work, through the supervision services.

The rollups are computed over everything the other apps' demo steps recorded (the last step: order 90); then
the semester's approvals — the demo district's other schools submitted and approved, the demo school's figures
submitted and returned for correction (so its figures stay live for the visitor), the other district's school
submitted — and an inspection of the demo school with its findings and rectification tasks (one done and
verified, one done and waiting for the check, one open).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from org.demo.logins import DEMO_SCHOOL_CODE, OTHER_DISTRICT_CODE
from org.models import Node, NodeKind, Post, Role, User
from supervision.approval import services as approval
from supervision.indicators.models import PeriodKind
from supervision.indicators.periods import open_periods
from supervision.indicators.rollup import run_full
from supervision.inspections import services as inspections
from supervision.inspections.models import Finding


def supervision(*, progress: Callable[[str], None] = lambda _m: None) -> None:
    periods = open_periods()
    if not periods:
        return
    run = run_full(periods)
    progress(f"supervision: rollups computed ({run.values} values)")
    semester = next((p for p in periods if p.kind == PeriodKind.SEMESTER), None)
    leader, officer = (
        User.objects.filter(username="leader").first(),
        User.objects.filter(username="district_officer").first(),
    )
    demo_school = Node.objects.filter(kind=NodeKind.SCHOOL, code=DEMO_SCHOOL_CODE).first()
    if semester is None or leader is None or officer is None or demo_school is None:
        return
    approved = 0
    district = demo_school.district
    approval.submit(user=leader, school=demo_school, period=semester)
    approval.return_for_correction(
        user=officer, node=demo_school, period=semester, reason="家访记录尚未补录完整，请补录后重新提交。"
    )
    approval.submit(user=leader, school=demo_school, period=semester)  # corrected and submitted again
    other = Node.objects.filter(kind=NodeKind.DISTRICT, code=OTHER_DISTRICT_CODE).first()
    other_officer = User.objects.filter(username="other_district_officer").first()
    for node, by in ((district, officer), (other, other_officer)):
        if node is None or by is None:
            continue
        for school in Node.objects.filter(kind=NodeKind.SCHOOL, district=node).order_by("pk"):
            school_leader = _leader_of(school)
            if school_leader is None:
                break
            if school.pk != demo_school.pk:
                approval.submit(user=school_leader, school=school, period=semester)
            approval.approve(user=by, node=school, period=semester)
            approved += 1
        else:
            approval.approve(user=by, node=node, period=semester)  # the district's own figures, for the city
    progress(
        f"supervision: {approved} schools and their districts approved (the demo school after a correction)"
    )
    _inspection(demo_school, semester, progress)
    for school in Node.objects.filter(kind=NodeKind.SCHOOL, district=other).order_by("pk")[:1]:
        _inspection(school, semester, progress)


def _leader_of(school: Node) -> User | None:
    post = Post.objects.active().filter(role=Role.SCHOOL_LEADER, node=school).select_related("user").first()
    return post.user if post else None


def _inspection(school: Node, period, progress: Callable[[str], None]) -> None:
    supervisor = User.objects.filter(username="supervisor").first()
    if supervisor is None:
        return
    today = timezone.localdate()
    inspection = inspections.create_inspection(
        user=supervisor,
        school=school,
        period=period,
        visited_on=today - dt.timedelta(days=10),
        key=f"demo-inspection-{school.pk}",
    )
    items = list(inspection.items.order_by("position"))
    for n, item in enumerate(items):
        finding = Finding.NOT_MET if n % 5 == 1 else Finding.PARTLY if n % 5 == 3 else Finding.MET
        inspections.record_finding(
            user=supervisor, item=item, finding=finding, note="现场查阅记录并访谈师生。"
        )
    owners = inspections.owners_for(school)
    if not owners:
        return
    tasks = []
    for n, (title, days) in enumerate(
        (("补录本学期家访记录", 14), ("完善心理辅导室值班表并公示", 7), ("为初三年级安排考前心理辅导", 21))
    ):
        item = items[min(len(items) - 1, 1 + 2 * n)] if items else None
        tasks.append(
            inspections.add_task(
                user=supervisor,
                inspection=inspection,
                title=title,
                owner_id=owners[n % len(owners)].pk,
                deadline=today + dt.timedelta(days=days),
                item_id=item.pk if item else None,
            )
        )
    inspections.mark_done(user=tasks[0].owner, task=tasks[0], note="已补录全部家访记录。")
    inspections.verify(user=supervisor, task=tasks[0], accept=True, note="已核实。")
    inspections.mark_done(user=tasks[1].owner, task=tasks[1], note="值班表已在辅导室门口公示。")
    progress(f"supervision: an inspection of {school.name}: {len(items)} items, 3 rectification tasks")
