"""seed_demo (issue 18, build 6): home-school work and governance so far this year, through the home services.

In every school: a parent session with the attendance of its classes, a leadership meeting, home visits by the
class teachers (the students of open cases first); per district a plan submitted to the city (the demo
district's accepted); a pilot, an excellent case at each review stage, resources for students and parents.
Deterministic: schools, classes and students in primary-key order, fixed texts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from org.demo.logins import DEMO_DISTRICT_CODE, DEMO_SCHOOL_CODE
from org.models import EnrollmentStatus, Node, NodeKind, Post, Role, SchoolClass, User
from schoolwork.home import services
from schoolwork.home.models import CaseStage, PlanStatus

SUMMARIES = (
    "家长配合度高，孩子在家作息规律；约定每周反馈一次学习情况。",
    "父母工作忙，孩子由祖父母照看；建议家长每天抽时间陪伴交流。",
    "孩子近期情绪好转，家长表示会继续关注睡眠和手机使用。",
)


def _staff(role: str, node: Node) -> User | None:
    post = Post.objects.active().filter(role=role, node=node).select_related("user").order_by("pk").first()
    return post.user if post else None


def _some_classes(school: Node, n: int) -> list[SchoolClass]:
    """The school's first ``n`` classes, and the demo class teachers' classes (what their pages show)."""
    rows = SchoolClass.objects.filter(school=school, class_teacher__isnull=False).select_related(
        "class_teacher"
    )
    first = list(rows.order_by("pk")[:n])
    demo = rows.filter(class_teacher__username__in=("class_teacher", "other_class_teacher")).exclude(
        pk__in=[c.pk for c in first]
    )
    return first + list(demo.order_by("pk"))


def home_and_governance(*, progress: Callable[[str], None] = lambda _m: None) -> None:
    today = timezone.localdate()
    sessions = meetings = visits = 0
    for school in Node.objects.filter(kind=NodeKind.SCHOOL).order_by("pk"):
        psych, leader = _staff(Role.PSYCH_TEACHER, school), _staff(Role.SCHOOL_LEADER, school)
        if psych is not None:
            session = services.create_parent_session(
                user=psych,
                school_id=school.pk,
                held_on=today - dt.timedelta(days=16),
                title="如何陪伴孩子度过考试季",
                speaker=psych.display_name or psych.username,
                key=f"demo-parents-{school.pk}",
            )
            sessions += 1
            for cls in _some_classes(school, 4):
                ids = list(
                    cls.enrollments.filter(status=EnrollmentStatus.ACTIVE)
                    .order_by("student_id")
                    .values_list("student_id", flat=True)
                )
                came = [s for k, s in enumerate(ids) if k % 5 != 4]  # four households in five came
                services.set_class_attendance(
                    user=cls.class_teacher, session=session, school_class=cls, student_ids=came
                )
        if leader is not None:
            for months in (2, 0):
                services.record_meeting(
                    user=leader,
                    school_id=school.pk,
                    held_on=today - dt.timedelta(days=30 * months + 5),
                    title="学校心理健康工作领导小组会议",
                    attendees="校长、德育主任、心理教师、年级组长",
                    minutes="通报测评结果与个案进展；部署考前减压与家访工作。",
                    key=f"demo-meeting-{school.pk}-{months}",
                )
                meetings += 1
        for cls in _some_classes(school, 3):
            teacher = cls.class_teacher
            pupils = cls.enrollments.filter(status=EnrollmentStatus.ACTIVE).order_by("student_id")
            for k, enrolment in enumerate(pupils.select_related("student")[:3]):
                services.record_home_visit(
                    user=teacher,
                    student=enrolment.student,
                    visited_on=today - dt.timedelta(days=7 + 5 * k),
                    visitors=f"班主任{teacher.display_name or ''}".strip(),
                    mode=("in_person", "at_school", "phone")[k % 3],
                    summary=SUMMARIES[k % len(SUMMARIES)],
                    key=f"demo-visit-{cls.pk}-{k}",
                )
                visits += 1
    progress(f"schoolwork: {sessions} parent sessions, {meetings} leadership meetings, {visits} home visits")
    _east_guardian(progress)
    _governance(progress)


def _east_guardian(progress: Callable[[str], None]) -> None:
    """五年级2班 (east campus): the class teacher prints the guardians' invitation slips; one guardian activates
    the account and asks for a correction of the child's birth date (the east campus's psychological teacher
    reviews it)."""
    import secrets

    from care.corrections.services import request_correction

    teacher = User.objects.filter(username="other_class_teacher").first()
    cls = SchoolClass.objects.filter(class_teacher=teacher).first() if teacher else None
    if cls is None:
        return
    slips = services.issue_guardian_invitations(user=teacher, school_class=cls)
    if not slips:
        return
    link, token = slips[0]
    password = secrets.token_urlsafe(16)  # nobody's demo login: the account exists, its password is unknown
    guardian = services.accept_invitation(token=token, password=password, password2=password)
    born = link.student.birth_date
    request_correction(user=guardian, student_id=link.student_id, field="student_birth_date",
                       new_value=born.replace(day=1 if born.day != 1 else 2).isoformat(),
                       note="户口本上的出生日期与学籍不一致。")  # fmt: skip
    progress(
        f"schoolwork: {len(slips)} guardian invitations for {cls.name}; one accepted, a correction requested"
    )


def _governance(progress: Callable[[str], None]) -> None:
    city_admin = User.objects.filter(username="city_admin").first()
    plans = 0
    for post in (
        Post.objects.active()
        .filter(role=Role.DISTRICT_OFFICER, node__kind=NodeKind.DISTRICT)
        .select_related("user", "node")
        .order_by("node__path")
    ):
        district = post.node
        if not Node.objects.filter(kind=NodeKind.SCHOOL, path__startswith=district.path).exists():
            continue
        plan = services.create_plan(
            user=post.user, district_id=district.pk, title=f"{district.name}学生心理健康工作实施方案"
        )
        services.move_plan(user=post.user, plan=plan, to=PlanStatus.SUBMITTED)
        if city_admin is not None and district.code == DEMO_DISTRICT_CODE:
            services.move_plan(
                user=city_admin, plan=plan, to=PlanStatus.ACCEPTED, note="方案完整，同意实施。"
            )
        plans += 1
    school = Node.objects.filter(kind=NodeKind.SCHOOL, code=DEMO_SCHOOL_CODE).first()
    leader = User.objects.filter(username="leader").first()
    officer = User.objects.filter(username="district_officer").first()
    if school is None or leader is None or officer is None:
        return
    if city_admin is not None:
        services.designate_pilot(user=city_admin, node_id=school.pk, theme="心理健康教育特色校建设试点")
    cases = [
        services.submit_case(
            user=leader,
            school_id=school.pk,
            title=title,
            body="本案例记录一名五年级学生在班主任、心理教师与家长协同支持下走出考试焦虑的过程（已去标识化）。",
        )
        for title in ("家校协同帮助学生走出考试焦虑", "班级心理委员制度的实践", "以劳动教育促进学生心理成长")
    ]
    services.review_case(user=officer, case=cases[0], to=CaseStage.DISTRICT_REVIEWED)
    services.review_case(user=officer, case=cases[1], to=CaseStage.DISTRICT_REVIEWED)
    if city_admin is not None:
        services.review_case(user=city_admin, case=cases[1], to=CaseStage.CITY_SELECTED)
    psych = User.objects.filter(username="psych").first()
    for user, node, audience, title in (
        (officer, school.parent, "parents", "家长必读：孩子情绪低落时怎么办"),
        (psych, school, "both", "考试季的放松小练习"),
        (psych, school, "students", "心理辅导室开放时间与预约方式"),
    ):
        if user is not None:
            services.publish_resource(user=user, node_id=node.pk, audience=audience, title=title, body=title)
    progress(f"schoolwork: {plans} district plans, a pilot, 3 excellent cases, 3 resources")
