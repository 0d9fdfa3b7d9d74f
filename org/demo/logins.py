"""The fixed demo logins (演示账号): one per role, all in one demo school in 海淀, one password for all.

The demo school is a multi-site nine-year school with two classes of grade 5 on different campuses, so the
rules show: ``class_teacher`` sees class 五年级1班 and not 五年级2班, ``psych_east`` sees only the east campus,
``other_school_teacher`` sees another school, ``other_district_officer`` another district, and ``city_officer``
sees no student at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from org.models import Role, User

DEMO_PASSWORD = "Xinyu-demo-2024"
DEMO_DISTRICT_CODE = "110108"  # 海淀区
OTHER_DISTRICT_CODE = "110105"  # 朝阳区
DEMO_SCHOOL_CODE = "1101080001"
DEMO_SCHOOL_NAME = "北京市海淀区心育实验学校"
DEMO_GRADE = 5


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str  # a Role value, or "superuser"
    zh: str
    en: str


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("psych", Role.PSYCH_TEACHER, "心理教师(专职)", "Psychological teacher (full-time)"),
    DemoLogin("psych_east", Role.PSYCH_TEACHER, "心理教师(东校区)", "Psychological teacher (east campus)"),
    DemoLogin("class_teacher", Role.CLASS_TEACHER, "班主任", "Class teacher"),
    DemoLogin("other_class_teacher", Role.CLASS_TEACHER, "班主任(另一班)", "Class teacher (another class)"),
    DemoLogin("teacher", Role.TEACHER, "任课教师", "Teacher"),
    DemoLogin("other_school_teacher", Role.TEACHER, "任课教师(另一校)", "Teacher (another school)"),
    DemoLogin("leader", Role.SCHOOL_LEADER, "学校领导", "School leader"),
    DemoLogin("district_officer", Role.DISTRICT_OFFICER, "区心理教研员", "District officer (research)"),
    DemoLogin("district_admin", Role.DISTRICT_ADMIN, "区教委管理员", "District administrator"),
    DemoLogin("district_counselor", Role.DISTRICT_COUNSELOR, "区心理咨询中心", "District counselor"),
    DemoLogin(
        "other_district_officer",
        Role.DISTRICT_OFFICER,
        "区心理教研员(另一区)",
        "District officer (another district)",
    ),
    DemoLogin("city_officer", Role.CITY_OFFICER, "市教委工作人员", "City officer"),
    DemoLogin("city_admin", Role.CITY_ADMIN, "市教委管理员", "City administrator"),
    DemoLogin("supervisor", Role.SUPERVISOR, "督导", "Supervisor"),
    DemoLogin("auditor", Role.AUDITOR, "审计员", "Auditor"),
    DemoLogin("security_admin", Role.SECURITY_ADMIN, "安全管理员", "Security administrator"),
    DemoLogin("clinician", Role.INSTITUTION_CLINICIAN, "医疗机构医生", "Institution clinician"),
    DemoLogin("student", Role.STUDENT, "学生", "Student"),
    DemoLogin("guardian", Role.GUARDIAN, "家长", "Guardian"),
    DemoLogin("admin", "superuser", "系统超级管理员", "Superuser (Django admin)"),
)
DEMO_USERNAMES = frozenset(d.username for d in DEMO_LOGINS)


# The second factor (access.mfa) lives in a higher layer; it registers these in its AppConfig.ready():
# ``enrol(users)`` gives each demo user who needs two factors an authenticator secret, ``secrets(users)`` returns
# {user id: base32 secret} for demo_logins to print.
SECOND_FACTOR: dict[str, Callable[[list[User]], object]] = {}


def register_second_factor(
    *, enrol: Callable[[list[User]], None], secrets: Callable[[list[User]], dict]
) -> None:
    SECOND_FACTOR["enrol"] = enrol
    SECOND_FACTOR["secrets"] = secrets


def enrol_demo_second_factors() -> None:
    if "enrol" in SECOND_FACTOR:
        SECOND_FACTOR["enrol"](list(User.objects.filter(username__in=DEMO_USERNAMES)))


def demo_secrets(users: list[User]) -> dict[int, str]:
    return dict(SECOND_FACTOR["secrets"](users)) if "secrets" in SECOND_FACTOR else {}
