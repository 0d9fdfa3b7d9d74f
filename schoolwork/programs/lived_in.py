"""seed_demo (issue 18, build 6): a semester of school programmes so far, through the programme services.

In every school: the psychological teachers' lessons every two teaching weeks up to today (one record for all the
classes they keep, as the page allows), the key-time guidance already due, and the class teachers' arts and
labour activities; in every district with schools, a training with sign-ins and a teaching-research activity.
Deterministic: schools, classes and staff in primary-key order, fixed topics.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone

from org.models import EnrollmentStatus, Node, NodeKind, Post, Role, SchoolClass, User
from schoolwork.programs import selectors, services
from schoolwork.programs.semesters import current_semester, fortnights, key_times

TOPICS = (
    "认识我的情绪",
    "学会倾听",
    "我的学习方法",
    "与压力做朋友",
    "友谊的小船",
    "感恩与表达",
    "我的时间管理",
    "珍爱生命",
    "面对挫折",
    "青春期的我",
)
KEY_TOPICS = {
    "entry": "新生入学适应团体辅导",
    "before_midterm": "考前减压与时间管理",
    "after_midterm": "考后心态调整与目标重设",
    "before_final": "期末复习的情绪管理",
    "after_final": "假期生活规划",
    "graduation": "升学与毕业心理辅导",
}


def _psych_teachers(school: Node) -> list[User]:
    posts = Post.objects.active().filter(role=Role.PSYCH_TEACHER).filter(node__path__startswith=school.path)
    return [p.user for p in posts.select_related("user").order_by("pk")]


def programmes(*, progress: Callable[[str], None] = lambda _m: None) -> None:
    today = timezone.localdate()
    semester = current_semester(today)
    if semester is None:
        return
    lessons = keytimes = activities = 0
    schools = Node.objects.filter(kind=NodeKind.SCHOOL).order_by("pk")
    for school in schools:
        teachers = _psych_teachers(school)
        for t, teacher in enumerate(teachers):
            classes = [c for c in selectors.lesson_classes(teacher).filter(school=school) if c.grade >= 1]
            if not classes:
                continue
            for n, block in enumerate(fortnights(semester)):
                day = block.starts_on + dt.timedelta(days=1 + (t + n) % 4)
                if day >= today:
                    break
                while day.weekday() >= 5:
                    day -= dt.timedelta(days=1)
                lessons += len(
                    services.record_lessons(
                        by=teacher,
                        classes=classes,
                        semester=semester,
                        given_on=day,
                        topic=TOPICS[n % len(TOPICS)],
                    )
                )
        if teachers:
            grades = sorted(set(SchoolClass.objects.filter(school=school).values_list("grade", flat=True)))
            for due in key_times(semester, grades):
                if due.opens_on >= today:
                    continue
                held = min(due.due_on, today - dt.timedelta(days=1), due.opens_on + dt.timedelta(days=3))
                services.record_key_time(
                    by=teachers[0], school_id=school.pk, semester=semester, grade=due.grade, key=due.key,
                    held_on=held, topic=KEY_TOPICS.get(due.key, "关键时期心理辅导"),
                )  # fmt: skip
                keytimes += 1
        for cls in (
            SchoolClass.objects.filter(school=school, class_teacher__isnull=False)
            .select_related("class_teacher")
            .order_by("pk")[:2]
        ):
            ids = list(
                cls.enrollments.filter(status=EnrollmentStatus.ACTIVE)
                .order_by("student_id")
                .values_list("student_id", flat=True)
            )
            if not ids:
                continue
            for kind, title, back in (("arts", "班级合唱比赛", 30), ("labour", "校园劳动周：清扫与种植", 12)):
                services.record_class_activity(
                    by=cls.class_teacher, school_class=cls, semester=semester, kind=kind,
                    held_on=today - dt.timedelta(days=back), title=title, student_ids=ids,
                )  # fmt: skip
                activities += 1
    trainings = _trainings(semester, today)
    progress(
        f"schoolwork: {lessons} lessons, {keytimes} key-time activities, {activities} class activities, "
        f"{trainings} trainings"
    )


def _trainings(semester, today: dt.date) -> int:
    """Each district with schools: a training for all staff (half of them signed in) and a teaching-research
    activity for the psychological teachers."""
    made = 0
    officers = Post.objects.active().filter(role=Role.DISTRICT_OFFICER, node__kind=NodeKind.DISTRICT)
    for post in officers.select_related("user", "node").order_by("node__path"):
        district = post.node
        if not Node.objects.filter(kind=NodeKind.SCHOOL, path__startswith=district.path).exists():
            continue
        held = max(semester.starts_on, today - dt.timedelta(days=20))
        training = services.create_training(
            by=post.user, organiser=district, held_on=held, topic="学生心理危机识别与干预", hours=Decimal(3)
        )
        staff = (
            Post.objects.active()
            .filter(node__path__startswith=district.path, node__kind__in=(NodeKind.SCHOOL, NodeKind.CAMPUS))
            .exclude(role__in=(Role.STUDENT, Role.GUARDIAN))
            .order_by("user_id")
            .values_list("user_id", flat=True)
            .distinct()
        )
        for n, user in enumerate(User.objects.filter(pk__in=list(staff)).order_by("pk")):
            if n % 2 == 0:
                services.sign_in(
                    training=training,
                    user=user,
                    now=timezone.make_aware(dt.datetime.combine(held, dt.time(9))),
                )
        services.create_training(
            by=post.user, organiser=district, held_on=max(semester.starts_on, today - dt.timedelta(days=8)),
            topic="心理课教学研讨：情绪单元", hours=Decimal(2), kind="research", audience="psych_teachers",
        )  # fmt: skip
        made += 2
    for post in (
        Post.objects.active()
        .filter(role=Role.SCHOOL_LEADER, node__kind=NodeKind.SCHOOL)
        .select_related("user", "node")
        .order_by("node__path")
    ):
        services.create_training(
            by=post.user, organiser=post.node, held_on=max(semester.starts_on, today - dt.timedelta(days=12)),
            topic="全体教师心理健康教育校本培训", hours=Decimal(2), for_class_teachers=True,
        )  # fmt: skip
        made += 1
        # R2.2 hours (issue 21): the first three staff have a certificate of a city course (2 hours).
        staff = (
            Post.objects.active()
            .filter(node__school=post.node, role__in=selectors.STAFF_ROLES)
            .order_by("user_id")
            .values_list("user_id", flat=True)
            .distinct()
        )
        for user_id in list(staff)[:3]:
            services.record_certificate(
                by=post.user, school=post.node, staff_id=user_id, title="北京市中小学教师心理健康教育专题培训",
                issuer="北京教育学院", hours="2", issued_on=max(semester.starts_on, today - dt.timedelta(days=15)),
            )  # fmt: skip
    return made
