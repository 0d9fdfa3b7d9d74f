"""seed_demo (issue 18, build 6): a counseling room in use, through the room services.

The demo school's rooms get their opening hours and two weeks of slots; the demo student has a confirmed
appointment, class teachers' requests wait on the desk, and the psychological teachers' session records of the
past weeks fill the file and the workload. Deterministic: fixed times relative to the run, students in
primary-key order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from counseling.models import CounselingRoom, Slot
from counseling.rooms import services as rooms
from org.demo.logins import DEMO_SCHOOL_CODE
from org.models import EnrollmentStatus, SchoolClass, Student, User

SESSIONS = (  # (topics, risk, next step, notes)
    (["study"], "none", "follow_up", "期中考试前焦虑，练习了腹式呼吸，约下周再谈。"),
    (["peers"], "none", "none", "与同桌矛盾已化解，学生情绪平稳。"),
    (["family", "emotion"], "yellow", "guardian", "父母近期分居，学生夜间哭泣；已与母亲电话沟通。"),
    (["emotion"], "none", "follow_up", "情绪低落两周，建立每周一次辅导。"),
)


def _pupils(username: str, n: int) -> list[Student]:
    cls = SchoolClass.objects.filter(class_teacher__username=username).first()
    if cls is None:
        return []
    return list(
        Student.objects.filter(enrollments__school_class=cls, enrollments__status=EnrollmentStatus.ACTIVE)
        .exclude(user__username="student")
        .order_by("pk")[5 : 5 + n]
    )


def room_in_use(*, progress: Callable[[str], None] = lambda _m: None) -> None:
    now = timezone.now()
    today = timezone.localdate(now)
    student_user = User.objects.filter(username="student").first()
    booked = sessions = 0
    for room in (
        CounselingRoom.objects.filter(school__code=DEMO_SCHOOL_CODE).select_related("campus").order_by("pk")
    ):
        keeper = room.duty_shifts.first().counselor if room.duty_shifts.exists() else None
        if keeper is None:
            continue
        for weekday in range(5):
            rooms.add_opening_hours(
                by=keeper, room=room, weekday=weekday, opens=dt.time(8, 0), closes=dt.time(17, 30)
            )
        rooms.generate_slots(room=room, start=today, days=14, now=now)
        free = Slot.objects.filter(room=room, starts_at__gt=now + dt.timedelta(days=1)).order_by("starts_at")
        teacher = (
            "class_teacher"
            if room.campus.name == "本部" or keeper.username == "psych"
            else "other_class_teacher"
        )
        requester = User.objects.filter(username=teacher).first()
        for k, pupil in enumerate(_pupils(teacher, 2)):
            slot = free[3 * k + 2]
            if requester is not None:  # the class teacher asks on the pupil's behalf: waits on the desk
                rooms.book(
                    by=requester, student=pupil, slot=slot, concern="最近上课注意力不集中，想找老师聊聊。"
                )
                booked += 1
        if student_user is not None and keeper.username == "psych":
            own = Student.objects.filter(user=student_user).first()
            if own is not None:
                appt = rooms.book(by=student_user, student=own, slot=free[0], concern="和朋友闹别扭了")
                rooms.confirm(by=keeper, appointment=appt)
                booked += 1
        school = room.school
        for k, pupil in enumerate(_pupils(teacher, 6)):
            topics, risk, step, notes = SESSIONS[k % len(SESSIONS)]
            rooms.record_session(
                by=keeper,
                started_at=(now - dt.timedelta(days=3 + 4 * k)).replace(
                    hour=14, minute=0, second=0, microsecond=0
                ),
                duration_minutes=40,
                kind="individual",
                topics=topics,
                risk_level=risk,
                next_step=step,
                notes=notes,
                student=pupil,
                key=f"demo-session-{room.pk}-{k}",
            )
            sessions += 1
        rooms.record_session(
            by=keeper,
            started_at=(now - dt.timedelta(days=6)).replace(hour=15, minute=30, second=0, microsecond=0),
            duration_minutes=60,
            kind="group",
            topics=["peers"],
            risk_level="none",
            next_step="none",
            notes="五年级人际交往团体辅导第二次活动。",
            school=school,
            group_size=8,
            key=f"demo-group-{room.pk}",
        )
        sessions += 1
    progress(f"counseling.rooms: opening hours and slots; {booked} appointments, {sessions} session records")
