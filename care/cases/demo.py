"""seed_demo (issue 18, build 6): casework a few weeks into the semester, through the care services.

After the campaign's talks (screening's demo step opens the cases): the district's partner institution with the
demo clinician; each case's plan at a different point (goals, safety plan, guardians' agreement, actions, some
done); referrals at every step from proposed to back at school; the red case mid-checklist; an abnormality
report triaged and one waiting; an alert past its deadline escalated; a case closed. Deterministic: cases in
primary-key order, fixed texts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from care.alerts import services as alerts
from care.cases import services as cases
from care.models import Alert, Case, CaseStatus, CrisisStepKind, Institution, InstitutionKind, ReferralStatus
from care.plans import services as plans
from care.referrals import services as referrals
from care.reports import services as reports
from org.demo.logins import DEMO_DISTRICT_CODE, DEMO_SCHOOL_CODE
from org.models import Enrollment, EnrollmentStatus, Node, NodeKind, SchoolClass, Student, User

GOALS = (
    "两周内睡眠恢复到每晚7小时以上；每周与心理教师面谈一次；在班级中找到一名可以倾诉的同伴。",
    "减轻考试焦虑：学习两种放松方法并在考前使用；与家长约定每天20分钟不谈学习的交流时间。",
    "恢复正常到校；与班主任共同制订作息表；家长每周反馈一次在家情况。",
)
SAFETY = {
    "warning_signs": "独自待在房间不出来、不吃晚饭、说“没意思”。",
    "coping_steps": "听音乐、画画、给表姐打电话。",
    "people_and_places": "班主任、心理辅导室、奶奶家。",
    "professionals": "心理教师；12356心理援助热线；区精神卫生防治院门诊。",
    "safe_environment": "家长收好家中药品和刀具；放学由家长接送。",
}
STEPS = [  # a referral's steps, in order
    ReferralStatus.PROPOSED,
    ReferralStatus.CONSENTED,
    ReferralStatus.SENT,
    ReferralStatus.APPOINTMENT,
    ReferralStatus.SEEN,
    ReferralStatus.FEEDBACK,
    ReferralStatus.RETURNED,
]

# The order the referred cases stop in: the first already at the institution with its feedback (so even a small
# demo city shows the clinician a referral), then every other step.
CYCLE = [
    ReferralStatus.FEEDBACK,
    ReferralStatus.PROPOSED,
    ReferralStatus.SEEN,
    ReferralStatus.CONSENTED,
    ReferralStatus.RETURNED,
    ReferralStatus.APPOINTMENT,
    ReferralStatus.SENT,
]


def _refer_to(referral, step: str, *, by: User, clinician: User | None, now: dt.datetime) -> None:
    order = STEPS.index(step)
    if order >= 1:
        referrals.record_consent(
            referral=referral,
            by=by,
            consent_by="学生母亲",
            consent_on=timezone.localdate(now) - dt.timedelta(days=1),
            consent_via="家长会谈，签字确认",
        )
    if order >= 2:
        referrals.move_referral(referral=referral, by=by, to=ReferralStatus.SENT)
    if order >= 3:
        at = (now + dt.timedelta(days=3)).replace(hour=9, minute=30, second=0, microsecond=0)
        referrals.move_referral(referral=referral, by=by, to=ReferralStatus.APPOINTMENT, appointment_at=at)
    if order >= 4:
        referrals.move_referral(referral=referral, by=by, to=ReferralStatus.SEEN)
    if order >= 5 and clinician is not None:
        referrals.post_feedback(
            referral=referral,
            by=clinician,
            feedback="门诊评估：中度抑郁发作，建议规律复诊，学校给予学业减压与同伴支持，每两周反馈一次。",
        )
    if order >= 6:
        referrals.move_referral(
            referral=referral,
            by=by,
            to=ReferralStatus.RETURNED,
            support_plan="返校后每周一次个别辅导；作业量酌减两周；班主任每日关注情绪并与家长沟通。",
        )


def casework(*, progress: Callable[[str], None] = lambda _m: None) -> None:
    district = Node.objects.filter(kind=NodeKind.DISTRICT, code=DEMO_DISTRICT_CODE).first()
    admin = User.objects.filter(username="district_admin").first()
    clinician = User.objects.filter(username="clinician").first()
    if district is None or admin is None:
        return
    now = timezone.now()
    institution = referrals.add_institution(
        by=admin,
        district=district,
        name="海淀区精神卫生防治院",
        kind=InstitutionKind.CENTRE,
        address="北京市海淀区（演示地址）",
        phone="010-00000000",
    )
    referrals.add_institution(
        by=admin, district=district, name="北京市儿童医院心理科", kind=InstitutionKind.HOSPITAL
    )
    if clinician is not None:
        referrals.add_clinician(by=admin, institution=institution, user=clinician)
    institution = Institution.objects.get(pk=institution.pk)

    open_cases = list(
        Case.objects.filter(school__district=district)
        .exclude(status=CaseStatus.CLOSED)
        .select_related("owner", "student")
        .order_by("pk")
    )
    referred = 0
    for n, case in enumerate(open_cases):
        owner = case.owner
        if owner is None:
            continue
        plans.save_goals(
            case=case,
            by=owner,
            goals=GOALS[n % len(GOALS)],
            review_on=timezone.localdate() + dt.timedelta(days=14),
        )
        if case.level == "red":
            plans.save_safety_plan(case=case, by=owner, parts=SAFETY)
        if n % 3 != 2:
            plans.record_agreement(
                case=case,
                by=owner,
                agreed_on=timezone.localdate() - dt.timedelta(days=2),
                meeting="家校面谈",
                agreed_with="学生母亲、班主任、心理教师",
            )
            # 告知家长 (issue 21 build 3): every agreed plan is shared; every other one with its level and reason.
            plans.share_with_guardians(
                case=case,
                by=owner,
                family_tasks="每天陪孩子吃晚饭、聊聊学校的事；晚上十点前睡觉；孩子不想上学时先给班主任打电话。",
                share_level=n % 2 == 0,
                reason="最近情绪低落、睡眠不好，学校和家里一起多关心、多陪伴。" if n % 2 == 0 else "",
            )
        first = plans.add_action(
            case=case,
            by=owner,
            text="每周二下午个别辅导",
            owner=owner,
            due_on=timezone.localdate() + dt.timedelta(days=7),
        )
        plans.add_action(
            case=case,
            by=owner,
            text="与家长电话沟通在家情况",
            owner=owner,
            due_on=timezone.localdate() + dt.timedelta(days=3),
        )
        if n % 2 == 0:
            plans.complete_action(action=first, by=owner)
        if n % 2 == 1 or case.level == "red":  # about half the cases are referred, at every step in turn
            referral = referrals.propose_referral(
                case=case,
                by=owner,
                institution=institution,
                reason="筛查阳性，谈话后评估需专业诊断。",
                shared="测评结果摘要与谈话记录要点。",
                urgent=case.level == "red",
            )
            _refer_to(referral, CYCLE[referred % len(CYCLE)], by=owner, clinician=clinician, now=now)
            referred += 1
    # One case closed after the pathway: the last one that has no red past and no referral under way.
    for case in reversed(open_cases):
        case.refresh_from_db()
        if case.level != "red" and not case.referrals.exists() and case.owner is not None:
            cases.change_status(
                case=case, status=CaseStatus.MONITORING, by=case.owner, reason="情况平稳，转入跟踪观察"
            )
            cases.close_case(case=case, by=case.owner, note="连续四周情绪稳定，家长与班主任反馈良好，结案。")
            break
    progress(f"care: {len(open_cases)} cases with plans, {referred} referrals at every step, one case closed")
    _east_campus_and_centre(institution, now, progress)
    _red_case_mid_checklist(progress)
    _reports_and_escalation(now, progress)


def _red_case_mid_checklist(progress: Callable[[str], None]) -> None:
    """The demo red case (care's first demo step): the leader is told and the guardian called; 陪护, the safety
    plan and the referral still to do."""
    case = (
        Case.objects.filter(level="red", school__code=DEMO_SCHOOL_CODE, owner__username="psych")
        .order_by("pk")
        .first()
    )
    if case is None:
        return
    for kind in (CrisisStepKind.LEADER, CrisisStepKind.GUARDIAN, CrisisStepKind.MEANS):
        cases.record_crisis_step(case=case, kind=kind, by=case.owner)
    progress(f"care: red case #{case.pk} mid-checklist (3 of 6 steps done)")


def _reports_and_escalation(now: dt.datetime, progress: Callable[[str], None]) -> None:
    """Two abnormality reports from the demo class teacher (one triaged, one waiting) and, for an orange alert
    left unacknowledged past its deadline, the escalation one stage up."""
    teacher = User.objects.filter(username="class_teacher").first()
    psych = User.objects.filter(username="psych").first()
    cls = SchoolClass.objects.filter(class_teacher=teacher).first()
    if teacher is None or psych is None or cls is None:
        return
    pupils = list(
        Student.objects.filter(enrollments__school_class=cls, enrollments__status=EnrollmentStatus.ACTIVE)
        .exclude(user__username="student")
        .order_by("pk")[1:3]
    )
    if len(pupils) < 2:
        return
    first, _new = reports.file_report(
        reporter=teacher,
        student_id=pupils[0].pk,
        category="emotion",
        observed="近一周上课常趴在桌上，午饭不吃，和同桌说“活着很累”。",
        urgency="high",
        key="demo-report-1",
        now=now - dt.timedelta(days=2),
    )
    reports.triage_report(
        report=first,
        by=psych,
        outcome="watch",
        note="已约谈，情绪低落与家中变故有关，先观察两周。",
        level="yellow",
    )
    reports.file_report(
        reporter=teacher,
        student_id=pupils[1].pk,
        category="bullying",
        observed="课间被几名同学围住推搡，之后不愿进教室。",
        urgency="normal",
        key="demo-report-2",
        now=now - dt.timedelta(hours=3),
    )
    raised = alerts.raise_alert(
        student=pupils[1],
        level="orange",
        reasons=[
            {
                "code": "report",
                "text": {"zh-hans": "班主任报告：疑似遭受欺凌", "en": "Class teacher's report: bullying"},
            }
        ],
        source_type="care.demo",
        source_id="escalated-1",
        school=cls.school,
        now=now - dt.timedelta(days=2),
    )
    # The other district too: an alert left past every stage reaches its district officers, who then see that
    # student — a district officer sees escalated students only, never the whole roster (issue 19 finding 11).
    other = (
        Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE, school__district__name="朝阳区")
        .select_related("student", "school")
        .order_by("student_id")
        .first()
    )
    if other is not None:
        alerts.raise_alert(
            student=other.student,
            level="orange",
            reasons=[
                {
                    "code": "report",
                    "text": {
                        "zh-hans": "班主任报告：连续多日情绪低落",
                        "en": "Class teacher's report: low mood",
                    },
                }
            ],
            source_type="care.demo",
            source_id="escalated-2",
            school=other.school,
            now=now - dt.timedelta(days=2),
        )
    moved = alerts.escalate_overdue(now=now)
    open_alerts = Alert.objects.filter(closed_at__isnull=True)
    progress(
        f"care: 2 abnormality reports (one triaged); {moved} overdue alert(s) escalated"
        f" (#{raised.pk if raised else '-'}); {open_alerts.filter(acknowledged_at__isnull=True).count()} alerts"
        f" waiting, {open_alerts.filter(acknowledged_at__isnull=False).count()} taken on"
    )


def _east_campus_and_centre(
    institution: Institution, now: dt.datetime, progress: Callable[[str], None]
) -> None:
    """The east campus's psychological teacher opens an orange case for a pupil of 五年级2班 and proposes a
    referral; a red case of the district is escalated to the district counseling centre."""
    east = User.objects.filter(username="psych_east").first()
    cls = SchoolClass.objects.filter(class_teacher__username="other_class_teacher").first()
    if east is not None and cls is not None:
        pupil = (
            Student.objects.filter(enrollments__school_class=cls, enrollments__status=EnrollmentStatus.ACTIVE)
            .order_by("pk")
            .first()
        )
        if pupil is not None:
            case, _new = cases.open_case(
                student=pupil, level="orange", by=east, reason="家长反映孩子近一个月拒绝上学、夜间惊醒。"
            )
            plans.save_goals(
                case=case, by=east, goals=GOALS[2], review_on=timezone.localdate() + dt.timedelta(days=10)
            )
            referral = referrals.propose_referral(
                case=case, by=east, institution=institution, reason="拒学伴睡眠障碍，需专科评估。"
            )
            _refer_to(referral, ReferralStatus.CONSENTED, by=east, clinician=None, now=now)
    red = (
        Case.objects.filter(level="red", escalated_at__isnull=True)
        .exclude(status=CaseStatus.CLOSED)
        .exclude(owner__username="psych")
        .order_by("pk")
        .first()
    ) or Case.objects.filter(level="red", escalated_at__isnull=True).exclude(
        status=CaseStatus.CLOSED
    ).order_by("-pk").first()
    if red is not None and red.owner is not None:
        cases.escalate_case(
            case=red, by=red.owner, reason="学生多次表达轻生想法，学校处置能力不足，上报区心理中心协助。"
        )
    progress("care: an east-campus case with a referral; a red case escalated to the district centre")
    _correction_request(progress)


def _correction_request(progress: Callable[[str], None]) -> None:
    """The demo guardian asks the school to correct their phone number (the psychological teacher reviews it)."""
    from care.corrections.services import request_correction

    guardian = User.objects.filter(username="guardian").first()
    student = Student.objects.filter(user__username="student").first()
    if guardian is None or student is None:
        return
    request_correction(user=guardian, student_id=student.pk, field="guardian_phone", new_value="13912345678",
                       note="原手机号已停用，请更新。")  # fmt: skip
    progress("care: a guardian's correction request waits for review")
