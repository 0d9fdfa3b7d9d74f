"""Build a plausible, deterministic demo Beijing (演示数据): the city, its 16 districts, an education group,
schools of every stage (some on several sites), a school year with its semesters, classes of ~40–45
students, staff with posts, students with realistic 学籍号, and guardians.

Everything random comes from one ``random.Random(seed)`` and one Faker seeded with the same number, so the
same seed (and school year) gives the same city. Rows are written with ``bulk_create`` in batches and the
materialized paths are computed here, not row by row in ``Node.save``; students are generated and written
in chunks so memory does not grow with ``students``.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from faker import Faker

from org.demo import logins as demo
from org.demo.calendar import current_start_year, school_year_terms
from org.demo.ids import resident_id, student_number
from org.models import (
    PATH_STEP,
    STAGE_GRADES,
    Enrollment,
    EnrollmentStatus,
    Gender,
    Guardian,
    GuardianLink,
    Node,
    NodeKind,
    Post,
    Relation,
    Role,
    SchoolClass,
    SchoolStage,
    SchoolYear,
    Semester,
    Student,
    User,
)

# Beijing's 16 districts: division code, name, weight (≈ primary students, thousands; GLOSSARY.md).
DISTRICTS: tuple[tuple[str, str, int], ...] = (
    ("110101", "东城区", 70),
    ("110102", "西城区", 108),
    ("110105", "朝阳区", 163),
    ("110106", "丰台区", 85),
    ("110107", "石景山区", 30),
    ("110108", "海淀区", 187),
    ("110109", "门头沟区", 18),
    ("110111", "房山区", 55),
    ("110112", "通州区", 75),
    ("110113", "顺义区", 55),
    ("110114", "昌平区", 80),
    ("110115", "大兴区", 70),
    ("110116", "怀柔区", 18),
    ("110117", "平谷区", 20),
    ("110118", "密云区", 22),
    ("110119", "延庆区", 13),
)
STUDENTS_PER_SCHOOL = 600
CLASS_SIZE = 42.5
CHUNK = 5000  # students generated and written at a time
BATCH = 2000
UNUSABLE = "!demo-account-without-password"  # generated staff cannot log in; the demo logins can

# Stages other than the demo school's, by rough share of Beijing's schools.
STAGE_WEIGHTS = {
    SchoolStage.PRIMARY: 45,
    SchoolStage.JUNIOR: 10,
    SchoolStage.SENIOR: 8,
    SchoolStage.COMPLETE_MIDDLE: 17,
    SchoolStage.NINE_YEAR: 12,
    SchoolStage.TWELVE_YEAR: 8,
}
STAGE_SUFFIX = {
    SchoolStage.PRIMARY: "小学",
    SchoolStage.JUNIOR: "初级中学",
    SchoolStage.SENIOR: "高级中学",
    SchoolStage.COMPLETE_MIDDLE: "中学",
    SchoolStage.NINE_YEAR: "学校",
    SchoolStage.TWELVE_YEAR: "外国语学校",
}
# fmt: off
PLACES = (
    "育才", "育英", "培英", "新华", "光明", "红星", "向阳", "复兴", "和平", "振华", "启明", "文汇", "青塔", "银河", "长安", "朝晖", "景山", "书院", "星河", "翠微",
    "永定", "前进", "团结", "阳光", "金桥", "博文", "明德", "致远", "润丰", "晨光", "燕山", "西山", "京华", "北辰", "东方", "英才", "思源", "崇德", "求实", "立新",
    "春晖", "育民", "新星", "华夏", "未来", "清源", "德胜", "安华", "和义", "芳草",
)
# fmt: on
CAMPUS_NAMES = ("本部", "东校区", "北校区", "南校区")
GRADE_NAMES = {
    1: "一年级", 2: "二年级", 3: "三年级", 4: "四年级", 5: "五年级", 6: "六年级",
    7: "初一", 8: "初二", 9: "初三", 10: "高一", 11: "高二", 12: "高三",
}  # fmt: skip
SUBJECTS = (
    "语文",
    "数学",
    "英语",
    "体育",
    "音乐",
    "美术",
    "科学",
    "道德与法治",
    "物理",
    "化学",
    "历史",
    "地理",
)


def class_name(grade: int, number: int) -> str:
    return f"{GRADE_NAMES[grade]}{number}班" if grade <= 6 else f"{GRADE_NAMES[grade]}({number})班"


def birth_window(grade: int, start_year: int) -> tuple[dt.date, dt.date]:
    """Children start grade 1 in the September after they turn six (cut-off 31 August)."""
    return dt.date(start_year - 6 - grade, 9, 1), dt.date(start_year - 5 - grade, 8, 31)


@dataclass
class SchoolPlan:
    index: int
    district: int  # index into DISTRICTS
    stage: str
    name: str
    code: str
    campuses: int = 1
    group: int | None = None
    weight: float = 1.0
    classes_per_grade: dict[int, int] = field(default_factory=dict)
    node: Node | None = None
    campus_nodes: list[Node] = field(default_factory=list)


@dataclass
class Summary:
    districts: int = 0
    groups: int = 0
    schools: int = 0
    campuses: int = 0
    classes: int = 0
    staff: int = 0
    students: int = 0
    guardians: int = 0


class CityExists(Exception):
    pass


def _largest_remainder(total: int, weights: list[float]) -> list[int]:
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))[: total - sum(out)]:
        out[i] += 1
    return out


def _path(prefix: str, n: int) -> str:
    return f"{prefix}{n:0{PATH_STEP}d}."


def _batched(items: list, size: int = BATCH) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class CityBuilder:
    def __init__(self, *, students: int, seed: int, start_year: int, progress: Callable[[str], None]):
        if students < 1:
            raise ValueError("students must be at least 1")
        self.n_students = students
        self.seed = seed
        self.start_year = start_year
        self.progress = progress
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.summary = Summary()
        self.hash = make_password(demo.DEMO_PASSWORD)  # Argon2 is slow: hash once, share it
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()

    # ---- plan (pure, deterministic) -------------------------------------------------------------------

    def plan_schools(self) -> list[SchoolPlan]:
        rng = self.rng
        n = max(8, round(self.n_students / STUDENTS_PER_SCHOOL))
        haidian = next(i for i, d in enumerate(DISTRICTS) if d[0] == demo.DEMO_DISTRICT_CODE)
        # The other schools: every stage at least once, the rest by share; districts by population.
        others = [SchoolStage.PRIMARY, SchoolStage.JUNIOR, SchoolStage.SENIOR]
        others += [SchoolStage.TWELVE_YEAR, SchoolStage.COMPLETE_MIDDLE]
        stages, weights = list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values())
        others += rng.choices(stages, weights, k=n - 1 - len(others))
        rng.shuffle(others)
        counts = _largest_remainder(n - 1, [w for *_, w in DISTRICTS])
        if n - 1 >= len(DISTRICTS):  # every district gets a school once there are enough
            for i, c in enumerate(counts):
                if c == 0:
                    counts[counts.index(max(counts))] -= 1
                    counts[i] = 1
        while counts[haidian] < 2:  # 海淀 holds the demo school and an education group of two or more
            donor = max((c, -i) for i, c in enumerate(counts) if i != haidian)
            counts[-donor[1]] -= 1
            counts[haidian] += 1
        plans = [
            SchoolPlan(
                0, haidian, SchoolStage.NINE_YEAR, demo.DEMO_SCHOOL_NAME, demo.DEMO_SCHOOL_CODE, campuses=2
            )
        ]
        seq = {haidian: 1}
        places: dict[int, list[str]] = {}
        stage_iter = iter(others)
        for d, count in enumerate(counts):
            for _ in range(count):
                stage = next(stage_iter)
                seq[d] = seq.get(d, 0) + 1
                pool = places.setdefault(d, rng.sample(PLACES, len(PLACES)))
                place = pool[(seq[d] - 1) % len(pool)]
                if seq[d] > len(pool):
                    place += f"第{seq[d] // len(pool) + 1}"
                code, name = DISTRICTS[d][0], DISTRICTS[d][1]
                plans.append(
                    SchoolPlan(
                        len(plans),
                        d,
                        stage,
                        f"北京市{name}{place}{STAGE_SUFFIX[stage]}",
                        f"{code}{seq[d]:04d}",
                    )
                )
        for p in plans:
            p.weight = 1.0 if p.index == 0 else rng.uniform(0.6, 1.5)
        # 一校多址: the demo school and about one in eight of the others (at least one) have 2–3 campuses.
        rest = plans[1:]
        for p in rng.sample(rest, max(1, round(len(rest) / 8))):
            p.campuses = rng.choice((2, 2, 3))
        # 教育集团: one group per ~25 schools (at least one, in 海淀), two to four members from one district.
        by_district: dict[int, list[SchoolPlan]] = {}
        for p in rest:
            by_district.setdefault(p.district, []).append(p)
        group_districts = [haidian] + [
            d for d in rng.sample(sorted(by_district), len(by_district)) if d != haidian
        ]
        n_groups = max(1, len(plans) // 25)
        self.groups: list[tuple[int, str, str]] = []  # (district, name, code)
        for d in group_districts:
            if len(self.groups) == n_groups:
                break
            members = by_district[d]
            if len(members) < 2:
                continue
            chosen = rng.sample(members, min(len(members), rng.randint(2, 4)))
            lead = chosen[0].name.removeprefix("北京市" + DISTRICTS[d][1])
            g = len(self.groups)
            self.groups.append(
                (
                    d,
                    f"{DISTRICTS[d][1].removesuffix('区')}{lead[:2]}教育集团",
                    f"{DISTRICTS[d][0]}-G{g + 1:02d}",
                )
            )
            for p in chosen:
                p.group = g
        return plans

    def plan_classes(self, plans: list[SchoolPlan]) -> None:
        """About CLASS_SIZE students per class; every grade of every school has at least one class; the demo
        school has at least two per grade (五年级1班 on the main campus, 五年级2班 on the east campus)."""
        slots = sum(len(STAGE_GRADES[p.stage]) for p in plans)
        extra = max(0, round(self.n_students / CLASS_SIZE) - slots)
        per_school = _largest_remainder(extra, [p.weight * len(STAGE_GRADES[p.stage]) for p in plans])
        for p, e in zip(plans, per_school, strict=True):
            grades = list(STAGE_GRADES[p.stage])
            base, rem = divmod(e, len(grades))
            p.classes_per_grade = {g: 1 + base + (1 if i < rem else 0) for i, g in enumerate(grades)}
            if p.index == 0:
                p.classes_per_grade = {g: max(2, c) for g, c in p.classes_per_grade.items()}
        # The demo school's second classes may overshoot the target: take as many back from the biggest grades.
        target = max(slots, round(self.n_students / CLASS_SIZE))
        total = sum(sum(p.classes_per_grade.values()) for p in plans)
        while total > target:
            p, g = max(
                ((p, g) for p in plans[1:] for g in p.classes_per_grade),
                key=lambda pg: (pg[0].classes_per_grade[pg[1]], -pg[0].index, pg[1]),
            )
            if p.classes_per_grade[g] <= 1:
                break
            p.classes_per_grade[g] -= 1
            total -= 1

    def class_sizes(self, n_classes: int) -> list[int]:
        base, rem = divmod(self.n_students, n_classes)
        sizes = [base + (1 if i < rem else 0) for i in range(n_classes)]
        for i in range(0, n_classes - 1, 2):  # a little variety (40–45) without changing the total
            d = min(self.rng.randint(0, 2), sizes[i + 1])
            sizes[i] += d
            sizes[i + 1] -= d
        return sizes

    # ---- write ----------------------------------------------------------------------------------------

    def build(self) -> Summary:
        if Node.objects.filter(kind=NodeKind.CITY).exists():
            raise CityExists
        plans = self.plan_schools()
        self.plan_classes(plans)
        with transaction.atomic():
            year, semesters_from = self.write_calendar()
            districts = self.write_tree(plans)
            self.write_people(plans, districts, year, semesters_from)
            demo.enrol_demo_second_factors()  # the demo staff who need two factors get an authenticator secret
            # The higher apps' demo rows: duty rosters, licences, rule history, a red case … (AppConfig.ready())
            for step in DEMO_STEPS:
                started = time.perf_counter()
                step(progress=self.progress)
                self.progress(f"({step.__module__}.{step.__name__}: {time.perf_counter() - started:.1f} s)")
        return self.summary

    def write_calendar(self) -> tuple[SchoolYear, dt.date]:
        starts, ends, terms = school_year_terms(self.start_year)
        year = SchoolYear.objects.create(start_year=self.start_year, starts_on=starts, ends_on=ends)
        Semester.objects.bulk_create(
            Semester(
                school_year=year,
                term=t.term,
                starts_on=t.starts_on,
                ends_on=t.ends_on,
                teaching_weeks=t.teaching_weeks,
                calendar=t.calendar,
            )
            for t in terms
        )
        self.progress(
            f"school year {year}: autumn {terms[0].starts_on}–{terms[0].ends_on}, spring {terms[1].starts_on}–{terms[1].ends_on}"
        )
        return year, min(starts, timezone.localdate())

    def write_tree(self, plans: list[SchoolPlan]) -> list[Node]:
        city = Node(kind=NodeKind.CITY, name="北京市", code="110000", path=_path("", 1), depth=0)
        city.save()
        districts = Node.objects.bulk_create(
            Node(
                kind=NodeKind.DISTRICT,
                parent=city,
                name=name,
                code=code,
                path=_path(city.path, i + 1),
                depth=1,
            )
            for i, (code, name, _) in enumerate(DISTRICTS)
        )
        Node.objects.filter(kind=NodeKind.DISTRICT).update(district_id=F("id"))
        for d in districts:
            d.district_id = d.pk
        children = [0] * len(districts)  # children numbered so far under each district
        groups = []
        for d, name, code in self.groups:
            children[d] += 1
            dn = districts[d]
            groups.append(
                Node(
                    kind=NodeKind.GROUP,
                    parent=dn,
                    name=name,
                    code=code,
                    path=_path(dn.path, children[d]),
                    depth=2,
                    district_id=dn.pk,
                )
            )
        groups = Node.objects.bulk_create(groups)
        group_children = [0] * len(groups)
        schools = []
        for p in plans:
            if p.group is not None:
                parent = groups[p.group]
                group_children[p.group] += 1
                n = group_children[p.group]
            else:
                parent = districts[p.district]
                children[p.district] += 1
                n = children[p.district]
            p.node = Node(
                kind=NodeKind.SCHOOL, parent=parent, name=p.name, code=p.code, stage=p.stage,
                is_multi_site=p.campuses > 1, path=_path(parent.path, n), depth=parent.depth + 1,
                district_id=districts[p.district].pk,
            )  # fmt: skip
            schools.append(p.node)
        for batch in _batched(schools):
            Node.objects.bulk_create(batch)
        Node.objects.filter(kind=NodeKind.SCHOOL).update(school_id=F("id"))
        campuses = []
        for p in plans:
            p.node.school_id = p.node.pk
            p.campus_nodes = [
                Node(
                    kind=NodeKind.CAMPUS,
                    parent=p.node,
                    name=CAMPUS_NAMES[k],
                    code=f"{p.code}-{k + 1}",
                    path=_path(p.node.path, k + 1),
                    depth=p.node.depth + 1,
                    district_id=p.node.district_id,
                    school_id=p.node.pk,
                )  # fmt: skip
                for k in range(p.campuses)
            ]
            campuses += p.campus_nodes
        for batch in _batched(campuses):
            Node.objects.bulk_create(batch)
        s = self.summary
        s.districts, s.groups, s.schools, s.campuses = (
            len(districts),
            len(groups),
            len(schools),
            len(campuses),
        )
        self.progress(
            f"tree: 北京市, {s.districts} districts, {s.groups} education groups, {s.schools} schools, {s.campuses} campuses"
        )
        self.city = city
        return districts

    def _person(self, gender: str | None = None) -> tuple[str, str]:
        gender = gender or self.rng.choice((Gender.MALE, Gender.FEMALE))
        given = self.fake.first_name_male() if gender == Gender.MALE else self.fake.first_name_female()
        return self.fake.last_name() + given, gender

    def _phone(self) -> str:
        while True:
            phone = self.rng.choice(("13", "15", "17", "18", "19")) + f"{self.rng.randrange(10**9):09d}"
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone

    def _user(self, username: str, name: str) -> User:
        password = self.hash if username in demo.DEMO_USERNAMES else UNUSABLE
        return User(username=username, display_name=name, password=password)

    def write_people(
        self, plans: list[SchoolPlan], districts: list[Node], year: SchoolYear, since: dt.date
    ) -> None:
        users: list[User] = []
        posts: list[
            tuple[User, str, Node, object, bool, str]
        ] = []  # user, role, node, class key, full-time, title

        def staff(
            username: str, role: str, node: Node, title: str, cls: object = None, full_time: bool = False
        ) -> User:
            u = self._user(username, self._person()[0])
            users.append(u)
            posts.append((u, role, node, cls, full_time, title))
            return u

        city = self.city
        for username, role, title in (
            ("city_officer", Role.CITY_OFFICER, "市教委德育处"),
            ("city_admin", Role.CITY_ADMIN, "市教委管理员"),
            ("supervisor", Role.SUPERVISOR, "督学"),
            ("auditor", Role.AUDITOR, "审计员"),
            ("security_admin", Role.SECURITY_ADMIN, "安全管理员"),
            ("clinician", Role.INSTITUTION_CLINICIAN, "北京安定医院 儿童青少年精神科"),
        ):
            staff(username, role, city, title)
        for d in districts:
            names = {
                demo.DEMO_DISTRICT_CODE: ("district_officer", "district_admin", "district_counselor"),
                demo.OTHER_DISTRICT_CODE: (
                    "other_district_officer",
                    f"{d.code}.admin",
                    f"{d.code}.counselor",
                ),
            }.get(d.code, (f"{d.code}.officer", f"{d.code}.admin", f"{d.code}.counselor"))
            staff(names[0], Role.DISTRICT_OFFICER, d, "心理教研员")
            staff(names[1], Role.DISTRICT_ADMIN, d, "区教委管理员")
            staff(names[2], Role.DISTRICT_COUNSELOR, d, "区心理咨询中心")

        # Classes, with a class teacher each; per school a leader, psych teachers, subject teachers.
        classes: list[SchoolClass] = []
        other_school_teacher_done = False
        for p in plans:
            is_demo = p.index == 0
            staff("leader" if is_demo else f"{p.code}.leader", Role.SCHOOL_LEADER, p.node, "校长")
            staff(
                "psych" if is_demo else f"{p.code}.psych",
                Role.PSYCH_TEACHER,
                p.node,
                "专职心理教师",
                full_time=True,
            )
            for k, campus in enumerate(p.campus_nodes[1:], start=2):
                name = "psych_east" if is_demo and k == 2 else f"{p.code}.psych{k}"
                staff(name, Role.PSYCH_TEACHER, campus, f"{campus.name}心理教师", full_time=True)
            n_classes = 0
            for grade, count in p.classes_per_grade.items():
                for k in range(count):
                    campus = p.campus_nodes[k % len(p.campus_nodes)]
                    cls = SchoolClass(
                        school=p.node,
                        campus=campus,
                        school_year=year,
                        grade=grade,
                        name=class_name(grade, k + 1),
                    )
                    n_classes += 1
                    if is_demo and grade == demo.DEMO_GRADE and k < 2:
                        username = ("class_teacher", "other_class_teacher")[k]
                    else:
                        username = f"{p.code}.ct{n_classes:03d}"
                    cls.class_teacher = staff(username, Role.CLASS_TEACHER, p.node, "班主任", cls=cls)
                    classes.append(cls)
            for t in range(max(2, n_classes // 3)):
                if is_demo and t == 0:
                    username = "teacher"
                elif not is_demo and not other_school_teacher_done and p.district == plans[0].district:
                    username, other_school_teacher_done = "other_school_teacher", True
                else:
                    username = f"{p.code}.t{t + 1:02d}"
                staff(username, Role.TEACHER, p.node, f"{SUBJECTS[t % len(SUBJECTS)]}教师")
        users.append(
            User(
                username="admin",
                display_name="系统管理员",
                password=self.hash,
                is_superuser=True,
                is_staff=True,
            )
        )
        for batch in _batched(users):
            User.objects.bulk_create(batch)
        for cls in classes:
            cls.class_teacher_id = cls.class_teacher.pk
        for batch in _batched(classes):
            SchoolClass.objects.bulk_create(batch)
        post_rows = [
            Post(user_id=u.pk, role=role, node_id=node.pk, school_class_id=cls.pk if cls else None, full_time=ft, title=title, valid_from=since)
            for u, role, node, cls, ft, title in posts
        ]  # fmt: skip
        for batch in _batched(post_rows):
            Post.objects.bulk_create(batch)
        self.summary.classes, self.summary.staff = len(classes), len(posts)
        self.progress(f"staff: {len(posts)} posts; {len(classes)} classes")
        self.write_students(plans, classes, year, since)

    def write_students(
        self, plans: list[SchoolPlan], classes: list[SchoolClass], year: SchoolYear, since: dt.date
    ) -> None:
        # The demo classes come first so that even a tiny city gives them students.
        order = sorted(
            range(len(classes)),
            key=lambda i: (
                classes[i].class_teacher.username not in ("class_teacher", "other_class_teacher"),
                i,
            ),
        )
        sizes = self.class_sizes(len(classes))
        district_code = {p.node.pk: DISTRICTS[p.district][0] for p in plans}
        pending: list[tuple[Student, SchoolClass]] = []
        demo_student: Student | None = None
        for idx, size in zip(order, sizes, strict=True):
            cls = classes[idx]
            lo, hi = birth_window(cls.grade, self.start_year)
            span = (hi - lo).days
            for _ in range(size):
                name, gender = self._person(self.rng.choices((Gender.MALE, Gender.FEMALE), (51, 49))[0])
                born = lo + dt.timedelta(days=self.rng.randrange(span + 1))
                while True:
                    seq = self.rng.randrange(500) * 2 + (1 if gender == Gender.MALE else 0)
                    rid = resident_id(district_code[cls.school_id], born, seq)
                    if rid not in self.used_ids:
                        self.used_ids.add(rid)
                        break
                s = Student(student_no=student_number(rid), name=name, gender=gender, birth_date=born)
                if demo_student is None and cls.class_teacher.username == "class_teacher":
                    demo_student = s
                pending.append((s, cls))
                if len(pending) >= CHUNK:
                    self.flush_students(pending, year, since, demo_student)
                    pending = []
        if pending:
            self.flush_students(pending, year, since, demo_student)

    def flush_students(
        self,
        rows: list[tuple[Student, SchoolClass]],
        year: SchoolYear,
        since: dt.date,
        demo_student: Student | None,
    ) -> None:
        students = [s for s, _ in rows]
        for batch in _batched(students):
            Student.objects.bulk_create(batch)
        enrollments = [
            Enrollment(
                student_id=s.pk, school_id=cls.school_id, school_class_id=cls.pk, school_year=year, grade=cls.grade,
                status=EnrollmentStatus.ACTIVE, started_on=year.starts_on,
            )
            for s, cls in rows
        ]  # fmt: skip
        for batch in _batched(enrollments):
            Enrollment.objects.bulk_create(batch)
        guardians: list[Guardian] = []
        links: list[tuple[int, int, str, bool]] = []  # student, guardian index, relation, primary
        demo_guardian: Guardian | None = None
        for s, _ in rows:
            surname = s.name[0]
            r = self.rng.random()
            primary = Relation.MOTHER if r < 0.55 else Relation.FATHER if r < 0.95 else Relation.GRANDPARENT
            relations = [primary]
            if primary != Relation.GRANDPARENT and self.rng.random() < 0.6:
                relations.append(Relation.FATHER if primary == Relation.MOTHER else Relation.MOTHER)
            for k, rel in enumerate(relations):
                if rel == Relation.MOTHER:
                    name = self._person(Gender.FEMALE)[0]
                else:  # father and paternal grandparent carry the child's surname
                    given = (
                        self.fake.first_name_male()
                        if rel == Relation.FATHER
                        else self.fake.first_name_female()
                    )
                    name = surname + given
                links.append((s.pk, len(guardians), rel, k == 0))
                g = Guardian(name=name, phone=self._phone())
                if s is demo_student and k == 0:
                    demo_guardian = g
                guardians.append(g)
        for batch in _batched(guardians):
            Guardian.objects.bulk_create(batch)
        link_rows = [
            GuardianLink(student_id=sid, guardian_id=guardians[gi].pk, relation=rel, is_primary=primary)
            for sid, gi, rel, primary in links
        ]
        for batch in _batched(link_rows):
            GuardianLink.objects.bulk_create(batch)
        if demo_student is not None and demo_student.pk in {s.pk for s in students}:
            self.link_demo_accounts(demo_student, demo_guardian, rows, since)
        self.summary.students += len(students)
        self.summary.guardians += len(guardians)
        self.progress(
            f"students: {self.summary.students}/{self.n_students}, guardians: {self.summary.guardians}"
        )

    def link_demo_accounts(self, student: Student, guardian: Guardian | None, rows, since: dt.date) -> None:
        """The demo student (first of 五年级1班) and their primary guardian get the demo logins."""
        school_id = next(cls.school_id for s, cls in rows if s is student)
        # Marked as having logged in, so printing 五年级1班's password slips leaves the demo login working.
        su = User.objects.create(
            username="student", display_name=student.name, password=self.hash, last_login=timezone.now()
        )
        Student.objects.filter(pk=student.pk).update(user=su)
        Post.objects.create(user=su, role=Role.STUDENT, node_id=school_id, title="学生", valid_from=since)
        if guardian is not None:
            gu = User.objects.create(username="guardian", display_name=guardian.name, password=self.hash)
            Guardian.objects.filter(pk=guardian.pk).update(user=gu)
            Post.objects.create(
                user=gu, role=Role.GUARDIAN, node_id=school_id, title="家长", valid_from=since
            )


# Demo rows of higher layers (screening's licence and first campaign, …): ``fn(progress=…)`` runs at the end of
# the build, in its transaction, after the demo logins exist. Registered in the apps' ``AppConfig.ready()``; run
# by ``order`` (then registration): a step that works on another app's rows comes after it (issue 18: the
# campaign's results 20, casework 30, counseling 40, school work 50, supervision 90).
DEMO_STEPS: list[Callable[..., None]] = []
_STEP_ORDER: dict[Callable[..., None], int] = {}


def register_demo_step(fn: Callable[..., None], order: int = 10) -> Callable[..., None]:
    if fn not in DEMO_STEPS:
        DEMO_STEPS.append(fn)
    _STEP_ORDER[fn] = order
    DEMO_STEPS.sort(key=lambda f: _STEP_ORDER.get(f, 10))  # stable: registration order within one order
    return fn


def seed_demo_city(
    *,
    students: int,
    seed: int = 1,
    start_year: int | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> Summary:
    """Build the demo city into an empty database (raises ``CityExists`` otherwise)."""
    year = start_year if start_year is not None else current_start_year(timezone.localdate())
    return CityBuilder(students=students, seed=seed, start_year=year, progress=progress).build()
