"""Shared fixtures: a small city with one persona per role (STYLE.md: personas that read as sentences).

World:
  北京市 (city)
  ├── 海淀区 (district)
  │   ├── 第一实验学校 school A (two campuses: A-main, A-east), classes A1 (main, grade 5), A2 (east, grade 5)
  │   └── 育英学校 school B, class B1
  └── 朝阳区 (district)
      └── 朝阳中学 school C, class C1

Personas (username = the attribute name): psych (psych teacher of A), psych_east (psych teacher of A's east
campus only), class_teacher (of A1), other_class_teacher (of A2), teacher (subject teacher at A),
other_school_teacher (teacher at B), leader (school leader of A), district_officer (海淀), district_admin (海淀),
other_district_officer (朝阳), district_counselor (海淀), city_officer, city_admin, supervisor, clinician,
auditor, security_admin (city), student (student_a1 in A1), guardian (of student_a1), other_guardian (of student_b1).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from org.models import (
    Enrollment,
    Gender,
    Guardian,
    GuardianLink,
    Node,
    NodeKind,
    Post,
    Role,
    SchoolClass,
    SchoolStage,
    SchoolYear,
    Semester,
    Student,
    User,
)

PASSWORD = "Xinyu-test-2024!"


@dataclass
class World:
    city: Node
    haidian: Node
    chaoyang: Node
    school_a: Node
    campus_a_main: Node
    campus_a_east: Node
    school_b: Node
    campus_b: Node
    school_c: Node
    campus_c: Node
    year: SchoolYear
    a1: SchoolClass
    a2: SchoolClass
    b1: SchoolClass
    c1: SchoolClass
    student_a1: Student
    student_a1b: Student
    student_a2: Student
    student_b1: Student
    student_c1: Student
    users: dict[str, User] = field(default_factory=dict)

    def __getattr__(self, name: str) -> User:
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)


def _node(kind, parent, name, code, **kw) -> Node:
    return Node.objects.create(kind=kind, parent=parent, name=name, code=code, **kw)


def _user(username: str, name: str) -> User:
    return User.objects.create_user(username=username, password=PASSWORD, display_name=name)


def _student(no: str, name: str, gender: str, cls: SchoolClass, year: SchoolYear) -> Student:
    s = Student.objects.create(student_no=no, name=name, gender=gender, birth_date=dt.date(2015, 3, 1))
    Enrollment.objects.create(
        student=s, school=cls.school, school_class=cls, school_year=year, grade=cls.grade
    )
    return s


_HASHED: str | None = None


def build_world() -> World:
    from django.contrib.auth.hashers import make_password

    # Argon2 is deliberately slow; one hash shared by all personas — and by every test of this process — keeps
    # fixtures fast (a fresh salt per test would buy nothing).
    global _HASHED
    if _HASHED is None:
        _HASHED = make_password(PASSWORD)
    hashed = _HASHED
    city = _node(NodeKind.CITY, None, "北京市", "110000")
    haidian = _node(NodeKind.DISTRICT, city, "海淀区", "110108")
    chaoyang = _node(NodeKind.DISTRICT, city, "朝阳区", "110105")
    school_a = _node(
        NodeKind.SCHOOL, haidian, "第一实验学校", "S-A", stage=SchoolStage.NINE_YEAR, is_multi_site=True
    )
    a_main = _node(NodeKind.CAMPUS, school_a, "本部", "S-A-1")
    a_east = _node(NodeKind.CAMPUS, school_a, "东校区", "S-A-2")
    school_b = _node(NodeKind.SCHOOL, haidian, "育英学校", "S-B", stage=SchoolStage.PRIMARY)
    b_main = _node(NodeKind.CAMPUS, school_b, "本部", "S-B-1")
    school_c = _node(NodeKind.SCHOOL, chaoyang, "朝阳中学", "S-C", stage=SchoolStage.JUNIOR)
    c_main = _node(NodeKind.CAMPUS, school_c, "本部", "S-C-1")
    today = dt.date.today()
    start = today.year if today.month >= 9 else today.year - 1  # the school year holding today (to Aug 31)
    year = SchoolYear.objects.create(
        start_year=start, starts_on=dt.date(start, 9, 1), ends_on=dt.date(start + 1, 8, 31)
    )
    Semester.objects.create(
        school_year=year, term=1, starts_on=dt.date(start, 9, 1), ends_on=dt.date(start + 1, 1, 20)
    )
    Semester.objects.create(
        school_year=year, term=2, starts_on=dt.date(start + 1, 2, 20), ends_on=dt.date(start + 1, 7, 10)
    )
    a1 = SchoolClass.objects.create(
        school=school_a, campus=a_main, school_year=year, grade=5, name="五年级1班"
    )
    a2 = SchoolClass.objects.create(
        school=school_a, campus=a_east, school_year=year, grade=5, name="五年级2班"
    )
    b1 = SchoolClass.objects.create(
        school=school_b, campus=b_main, school_year=year, grade=4, name="四年级1班"
    )
    c1 = SchoolClass.objects.create(school=school_c, campus=c_main, school_year=year, grade=7, name="初一1班")
    w = World(
        city=city, haidian=haidian, chaoyang=chaoyang, school_a=school_a, campus_a_main=a_main,
        campus_a_east=a_east, school_b=school_b, campus_b=b_main, school_c=school_c, campus_c=c_main, year=year,
        a1=a1, a2=a2, b1=b1, c1=c1,
        student_a1=_student("G110108201503010011", "李小明", Gender.MALE, a1, year),
        student_a1b=_student("G110108201503010012", "王小红", Gender.FEMALE, a1, year),
        student_a2=_student("G110108201503010021", "张小华", Gender.MALE, a2, year),
        student_b1=_student("G110108201503010031", "赵小丽", Gender.FEMALE, b1, year),
        student_c1=_student("G110105201503010041", "陈小强", Gender.MALE, c1, year),
    )  # fmt: skip
    posts = {
        "psych": (Role.PSYCH_TEACHER, school_a, None, "心理老师"),
        "psych_east": (Role.PSYCH_TEACHER, a_east, None, "东校区心理老师"),
        "class_teacher": (Role.CLASS_TEACHER, school_a, a1, "一班班主任"),
        "other_class_teacher": (Role.CLASS_TEACHER, school_a, a2, "二班班主任"),
        "teacher": (Role.TEACHER, school_a, None, "数学老师"),
        "other_school_teacher": (Role.TEACHER, school_b, None, "育英老师"),
        "leader": (Role.SCHOOL_LEADER, school_a, None, "校长"),
        "district_officer": (Role.DISTRICT_OFFICER, haidian, None, "海淀教研员"),
        "district_admin": (Role.DISTRICT_ADMIN, haidian, None, "海淀管理员"),
        "other_district_officer": (Role.DISTRICT_OFFICER, chaoyang, None, "朝阳教研员"),
        "district_counselor": (Role.DISTRICT_COUNSELOR, haidian, None, "海淀咨询中心"),
        "city_officer": (Role.CITY_OFFICER, city, None, "市教委"),
        "city_admin": (Role.CITY_ADMIN, city, None, "市管理员"),
        "supervisor": (Role.SUPERVISOR, city, None, "督导"),
        "clinician": (Role.INSTITUTION_CLINICIAN, city, None, "安定医院医生"),
        "auditor": (Role.AUDITOR, city, None, "审计员"),
        "security_admin": (Role.SECURITY_ADMIN, city, None, "安全管理员"),
    }
    for username, (role, node, cls, name) in posts.items():
        u = User.objects.create(username=username, password=hashed, display_name=name)
        Post.objects.create(
            user=u, role=role, node=node, school_class=cls, full_time=role == Role.PSYCH_TEACHER
        )
        if cls is not None:
            cls.class_teacher = u
            cls.save(update_fields=["class_teacher"])
        w.users[username] = u
    student_user = User.objects.create(username="student", password=hashed, display_name="李小明")
    Post.objects.create(user=student_user, role=Role.STUDENT, node=school_a)
    w.student_a1.user = student_user
    w.student_a1.save(update_fields=["user"])
    w.users["student"] = student_user
    for username, child, phone in (
        ("guardian", w.student_a1, "13800000001"),
        ("other_guardian", w.student_b1, "13800000002"),
    ):
        u = User.objects.create(username=username, password=hashed, display_name=f"{child.name}家长")
        Post.objects.create(user=u, role=Role.GUARDIAN, node=child.current_enrollment().school)
        g = Guardian.objects.create(name=u.display_name, phone=phone, user=u)
        GuardianLink.objects.create(guardian=g, student=child, relation="mother", is_primary=True)
        w.users[username] = u
    return w


# --- Tests that need no database (issue: CI under 20 minutes) ------------------------------------------------------
# pytest-django lets a test reach the test database only through these fixtures or the ``django_db`` mark; a test
# with neither cannot touch a database, so it behaves the same on SQLite and PostgreSQL. Such tests are marked
# ``no_db`` here and .ci/run runs them once, in the SQLite stage (``-m "not browser and not no_db"`` on PostgreSQL).
_DB_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "django_db_setup",
        "live_server",
    }
)


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if item.get_closest_marker("django_db") is None and not _DB_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.no_db)


@pytest.fixture(autouse=True, scope="session")
def _audit_checkpoints_of_this_run(tmp_path_factory):
    """The audit chain's external checkpoints (access.checkpoint) of a test run go to a file of its own, never to a
    developer's var/ (whose heads belong to another database). A test that writes some uses its own file."""
    from django.conf import settings

    settings.XINYU_AUDIT_CHECKPOINT_FILE = str(tmp_path_factory.mktemp("audit") / "checkpoints.jsonl")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the locmem cache outlives a test's database rollback)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def world(db) -> World:
    return build_world()


# --- The second factor (access.mfa) ------------------------------------------------------------------------------
# ``client.force_login`` logs a persona in as if both factors had just passed (and as freshly authenticated for
# ``@recent_auth`` pages): the persona matrix and most tests need no code. Tests of the login itself, and the
# browser tests, go through the real two steps: ``enrol_second_factor`` gives a persona a known TOTP secret and
# ``totp_code`` computes what their authenticator would show (no ORM call: usable while Playwright runs).


def totp_secret(username: str) -> str:
    import base64
    import hashlib

    return base64.b32encode(hashlib.sha256(f"xinyu-test-totp:{username}".encode()).digest()[:20]).decode()


_last_step: dict[str, int] = {}


def forget_used_codes() -> None:
    """A new test with a fresh database (and fresh second factors) may use any code again."""
    _last_step.clear()


def totp_code(username: str) -> str:
    """The persona's current code — waiting for the next 30-second step if this process already used this one
    (the server refuses a replayed code)."""
    import time

    import pyotp

    totp = pyotp.TOTP(totp_secret(username))
    step = int(time.time() // 30)
    if _last_step.get(username, -1) == step:  # used in this step: the server refuses a replay
        time.sleep((step + 1) * 30 - time.time() + 0.05)
        step = int(time.time() // 30)
    _last_step[username] = step
    return totp.at(step * 30)


def enrol_second_factor(user: User) -> str:
    """Give ``user`` a confirmed TOTP authenticator with their known test secret; returns the secret."""
    from django.utils import timezone

    from access.models import SecondFactor

    secret = totp_secret(user.username)
    SecondFactor.objects.update_or_create(
        user=user, defaults={"secret": secret, "confirmed_at": timezone.now(), "last_step": 0}
    )
    return secret


def enrol_personas(w: World) -> None:
    """Every persona whose role needs a second factor gets one (browser tests log in through the form)."""
    from access import mfa

    for user in w.users.values():
        if mfa.required(user):
            enrol_second_factor(user)


@pytest.fixture
def login(client):
    """``login(user)`` signs the test client in as that persona and returns the client."""

    def _login(user: User):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def frozen_clock(monkeypatch):
    """A frozen wall clock (issue 15: the rules of answering hours and alert routes depend on the time of day):
    ``frozen_clock(moment)`` makes ``django.utils.timezone.now()`` return ``moment`` (aware) until the test ends;
    call it again to move the clock. Every reader of the time in the project asks ``timezone.now()``."""
    from django.utils import timezone

    def _set(moment):
        assert moment.tzinfo is not None, "a frozen clock needs an aware datetime"
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return _set


def school_day_at(hour: int, minute: int = 0, *, days_ahead: int = 1) -> dt.datetime:
    """A moment on a Monday–Friday at least ``days_ahead`` days after today (Asia/Shanghai), at ``hour:minute``:
    the world's posts (valid from today) are in force then, and no semester of the world has a holiday."""
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour, minute), ZoneInfo("Asia/Shanghai"))


# --- Outside message providers (care.channels) ---------------------------------------------------------------------


@pytest.fixture
def provider_standin(settings):
    """The SMS (Alibaba Cloud, Tencent Cloud), 企业微信 and 钉钉 stand-in on loopback, with every channel switched on
    and pointed at it (Aliyun SMS by default; ``provider_standin.configure(settings, "tencent")`` for Tencent) and
    a 1-second client timeout. Assert on ``provider_standin.sms_to(phone)`` / ``.wecom_to(user_id)`` /
    ``.dingtalk_to(user_id)`` / ``.requests(...)`` (tests/standins/providers.py)."""
    from tests.standins.providers import ProviderStandIn

    standin = ProviderStandIn().start()
    standin.configure(settings)
    settings.XINYU_CHANNEL_TIMEOUT = 1
    standin.hang_seconds = 2
    yield standin
    standin.stop()
