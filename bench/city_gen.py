"""A bulk generator of a city for the supervision benchmark (issue 7): at scale 1.0, 16 districts, 1,250 schools,
1,000,000 students with three school years of enrolments, screenings (assignments, responses, results, second-stage
reviews), cases with guardian contacts and referrals, abnormality reports, psychological lessons, key-time
activities, trainings, home visits, parent sessions, leadership meetings, district plans, counseling rooms and
appointments. PostgreSQL only: rows go in with COPY, primary keys chosen here, sequences reset at the end.

Figures are drawn from a seeded generator with plausible shares (most schools staffed, ~10 % positive screens,
~90 % followed up in time …), so that every indicator has something to count. Item-level answers are not made:
no indicator reads them (the re-scoring benchmark covers answers).

    .venv/bin/python bench/city_gen.py --pg postgres://postgres@127.0.0.1:5432 --scale 0.05
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import random
import sys
import time
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
STUDENTS_PER_SCHOOL = 800
CLASS_SIZE = 40
STAGES = [("primary", 55), ("junior", 15), ("senior", 10), ("nine_year", 10), ("twelve_year", 5),
          ("complete_middle", 5)]  # fmt: skip
GRADES = {"primary": range(1, 7), "junior": range(7, 10), "senior": range(10, 13), "nine_year": range(1, 10),
          "twelve_year": range(1, 13), "complete_middle": range(7, 13)}  # fmt: skip
DISTRICTS = ["东城区", "西城区", "朝阳区", "丰台区", "石景山区", "海淀区", "门头沟区", "房山区", "通州区", "顺义区",
             "昌平区", "大兴区", "怀柔区", "平谷区", "密云区", "延庆区"]  # fmt: skip


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


class Copier:
    """COPY rows into a model's table. ``fields`` are attnames; every other column gets its default once."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.counts: dict[str, int] = {}

    def copy(self, model, fields: list[str], rows: Iterable[tuple]) -> int:
        from django.utils import timezone

        given = set(fields)
        columns, constants = [], []
        for f in model._meta.concrete_fields:
            if f.attname in given:
                continue
            if f.has_default():
                value = f.get_default()
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = timezone.now()
            elif f.null:
                value = None
            elif f.empty_strings_allowed and not f.primary_key:
                value = ""
            elif f.primary_key:
                raise ValueError(f"{model.__name__}: give the primary key")
            else:
                raise ValueError(f"{model.__name__}.{f.attname} has no default: give it")
            columns.append(f.column)
            constants.append(f.get_db_prep_save(value, self.connection))
        constants_t = tuple(json.dumps(c) if isinstance(c, dict | list) else c for c in constants)
        cols = [model._meta.get_field(a).column for a in fields] + columns
        table = model._meta.db_table
        n = 0
        with self.connection.cursor() as cur:
            quoted = ", ".join(f'"{c}"' for c in cols)
            with cur.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as cp:
                for row in rows:
                    cp.write_row(row + constants_t)
                    n += 1
        self.counts[model.__name__] = self.counts.get(model.__name__, 0) + n
        return n


class Ids:
    """Primary keys handed out here, per model."""

    def __init__(self) -> None:
        self._next: dict[str, itertools.count] = {}

    def next(self, name: str) -> int:
        return next(self._next.setdefault(name, itertools.count(1)))


def generate(
    scale: float = 1.0, seed: int = 7, years: int = 3, today: dt.date | None = None
) -> dict[str, int]:
    """Fill an empty, migrated PostgreSQL database. Returns row counts per model."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection

    from care.models import AbnormalityReport, Case, GuardianContact, Institution, LevelRecord, Referral
    from org.models import Enrollment, Node, Post, SchoolClass, SchoolYear, Semester, Student, User
    from schoolwork.models import (
        ClassDay,
        DistrictPlan,
        HomeVisit,
        KeyTimeActivity,
        LeadershipMeeting,
        Lesson,
        ParentSession,
        Training,
        TrainingAttendance,
    )
    from screening.models import Assignment, Campaign, Response, Result, Review

    rnd = random.Random(seed)
    ids = Ids()
    cp = Copier(connection)
    today = today or dt.date.today()
    current = today.year if today.month >= 9 else today.year - 1
    first_year = current - years + 1
    unusable = make_password(None)
    enc = {  # one ciphertext per required encrypted text, reused
        "review": Review._meta.get_field("outcome").get_db_prep_save("谈话正常，继续观察", connection),
        "observed": AbnormalityReport._meta.get_field("observed").get_db_prep_save("情绪低落", connection),
        "reason": Referral._meta.get_field("reason").get_db_prep_save("建议专科评估", connection),
        "empty_list": LevelRecord._meta.get_field("reasons").get_db_prep_save([], connection),
    }

    # --- the tree -------------------------------------------------------------------------------------------------
    n_schools = max(16, round(1_000_000 * scale / STUDENTS_PER_SCHOOL))
    nodes: list[tuple] = []  # (id, kind, parent, path, depth, name, code, stage, multi, district, school)
    city = ids.next("node")
    nodes.append((city, "city", None, "00001.", 0, "北京市", "110000", "", False, None, None))
    districts, groups = [], {}
    for i, name in enumerate(DISTRICTS, start=1):
        d = ids.next("node")
        path = f"00001.{i:05d}."
        nodes.append((d, "district", city, path, 1, name, f"1101{i:02d}", "", False, d, None))
        districts.append((d, path))
        g = ids.next("node")  # one education group (集团化办学) per district
        nodes.append((g, "group", d, f"{path}00001.", 2, f"{name}教育集团", f"G{i:02d}", "", False, d, None))
        groups[d] = (g, f"{path}00001.")
    schools = []  # (id, district, stage, campuses, path)
    child_no: dict[int, int] = {}
    stage_pool = [s for s, w in STAGES for _ in range(w)]
    for k in range(n_schools):
        d, dpath = districts[k % len(districts)]
        in_group = rnd.random() < 0.08
        parent, ppath = groups[d] if in_group else (d, dpath)
        child_no[parent] = child_no.get(parent, 1 if parent == d else 0) + 1
        s = ids.next("node")
        path = f"{ppath}{child_no[parent]:05d}."
        stage = rnd.choice(stage_pool)
        multi = rnd.random() < 0.25
        depth = path.count(".") - 1
        nodes.append(
            (s, "school", parent, path, depth, f"第{k + 1}学校", f"S{k + 1:05d}", stage, multi, d, s)
        )
        campuses = []
        for c in range(2 if multi else 1):
            cid = ids.next("node")
            name = "本部" if c == 0 else "分校区"
            nodes.append((cid, "campus", s, f"{path}{c + 1:05d}.", depth + 1, name, f"S{k + 1:05d}-{c + 1}", "",
                          False, d, s))  # fmt: skip
            campuses.append(cid)
        schools.append((s, d, stage, campuses, path))
    cp.copy(Node, ["id", "kind", "parent_id", "path", "depth", "name", "code", "stage", "is_multi_site",
                   "district_id", "school_id"], nodes)  # fmt: skip

    # --- calendar ---------------------------------------------------------------------------------------------------
    year_ids, sem_ids = {}, {}
    for y in range(first_year, current + 1):
        yid = ids.next("year")
        year_ids[y] = yid
        cp.copy(SchoolYear, ["id", "start_year", "starts_on", "ends_on"],
                [(yid, y, dt.date(y, 9, 1), dt.date(y + 1, 8, 31))])  # fmt: skip
        for term, start, end in ((1, dt.date(y, 9, 1), dt.date(y + 1, 1, 20)),
                                 (2, dt.date(y + 1, 2, 20), dt.date(y + 1, 7, 10))):  # fmt: skip
            sid = ids.next("semester")
            sem_ids[(y, term)] = (sid, start, end)
            cp.copy(
                Semester,
                ["id", "school_year_id", "term", "starts_on", "ends_on"],
                [(sid, yid, term, start, end)],
            )

    def past(day: dt.date) -> bool:
        return day <= today

    # --- staff --------------------------------------------------------------------------------------------------------
    users: list[tuple] = []
    posts: list[tuple] = []
    staff_of: dict[int, list[int]] = {}
    psych_of: dict[int, int] = {}
    valid_from = dt.date(first_year, 9, 1)

    def user(name: str) -> int:
        uid = ids.next("user")
        users.append((uid, f"u{uid}", unusable, name, True, at(valid_from)))
        return uid

    def post(uid: int, role: str, node: int, full_time: bool = False) -> None:
        posts.append((ids.next("post"), uid, role, node, None, full_time, valid_from))

    counselor_of = {}
    for d, _p in districts:
        post(user("教研员"), "district_officer", d, full_time=rnd.random() < 0.85)
        post(user("区管理员"), "district_admin", d)
        counselor_of[d] = user("区心理中心咨询师")
        post(counselor_of[d], "district_counselor", d)
    for s, _d, _stage, campuses, _p in schools:
        leader = user("校长")
        post(leader, "school_leader", s)
        staff_of[s] = [leader]
        if rnd.random() < 0.93:
            p = user("心理老师")
            post(p, "psych_teacher", s if len(campuses) == 1 else campuses[0], full_time=rnd.random() < 0.9)
            staff_of[s].append(p)
            psych_of[s] = p
        if len(campuses) > 1 and rnd.random() < 0.6:
            p2 = user("分校区心理老师")
            post(p2, "psych_teacher", campuses[1], full_time=True)
            staff_of[s].append(p2)
            psych_of.setdefault(s, p2)
        for _t in range(8):
            t = user("教师")
            post(t, "teacher", s)
            staff_of[s].append(t)

    # --- students, classes, enrolments (the same students, a grade lower each year back) --------------------------
    classes: dict[tuple[int, int, int], list[int]] = {}  # (school, year, grade) -> class ids
    class_rows, students, enrol_rows = [], [], []
    school_students: dict[int, list[tuple[int, int]]] = {}  # school -> [(student id, current grade)]
    for s, _d, stage, campuses, _p in schools:
        grades = list(GRADES[stage])
        per_grade = STUDENTS_PER_SCHOOL // len(grades)
        for y in range(first_year, current + 1):
            for g in grades:
                for c in range(max(1, round(per_grade / CLASS_SIZE))):
                    cid = ids.next("class")
                    class_rows.append(
                        (cid, s, campuses[c % len(campuses)], year_ids[y], g, f"{g}年级{c + 1}班")
                    )
                    classes.setdefault((s, y, g), []).append(cid)
        roster = school_students.setdefault(s, [])
        for g in grades:
            for _i in range(per_grade):
                st = ids.next("student")
                roster.append((st, g))
                students.append((st, f"B{st:018d}", f"学生{st}", "M" if st % 2 else "F",
                                 dt.date(current - 5 - g, 1 + st % 12, 1 + st % 28)))  # fmt: skip
                for y in range(first_year, current + 1):
                    gy = g - (current - y)
                    if gy < grades[0]:
                        continue
                    cls = classes[(s, y, gy)][st % len(classes[(s, y, gy)])]
                    enrol_rows.append((ids.next("enrol"), st, s, cls, year_ids[y], gy,
                                       "active" if y == current else "completed", dt.date(y, 9, 1),
                                       None if y == current else dt.date(y + 1, 7, 10)))  # fmt: skip
    cp.copy(User, ["id", "username", "password", "display_name", "is_active", "date_joined"], users)
    cp.copy(Post, ["id", "user_id", "role", "node_id", "school_class_id", "full_time", "valid_from"], posts)
    cp.copy(SchoolClass, ["id", "school_id", "campus_id", "school_year_id", "grade", "name"], class_rows)
    del class_rows
    cp.copy(Student, ["id", "student_no", "name", "gender", "birth_date"], students)
    del students
    cp.copy(Enrollment, ["id", "student_id", "school_id", "school_class_id", "school_year_id", "grade", "status",
                         "started_on", "ended_on"], enrol_rows)  # fmt: skip
    del enrol_rows

    # --- screening: a campaign per district per year, grades 4+ --------------------------------------------------------
    campaign_of = {}
    for y in range(first_year, current + 1):
        rows = []
        for d, _p in districts:
            cid = ids.next("campaign")
            campaign_of[(d, y)] = cid
            rows.append((cid, d, year_ids[y], f"{y}学年心理健康测评", at(dt.date(y, 10, 8)),
                         at(dt.date(y, 10, 26)), "launched", at(dt.date(y, 10, 1))))  # fmt: skip
        cp.copy(Campaign, ["id", "organiser_id", "school_year_id", "name", "starts_at", "ends_at", "status",
                           "launched_at"], rows)  # fmt: skip

    assignments, responses, results, reviews = [], [], [], []
    positives: list[tuple[int, int, int, str, dt.date]] = []  # (student, school, year, level, day)
    levels = ["none"] * 880 + ["yellow"] * 80 + ["orange"] * 30 + ["red"] * 10
    for s, d, _stage, _c, _p in schools:
        for st, g in school_students[s]:
            for y in range(first_year, current + 1):
                gy = g - (current - y)
                start = dt.date(y, 10, 8)
                if gy < 4 or gy < GRADES[_stage][0] or not past(start):
                    continue
                aid = ids.next("assignment")
                cls_list = classes[(s, y, gy)]
                assignments.append((aid, campaign_of[(d, y)], st, s, cls_list[st % len(cls_list)], gy,
                                    rnd.random() < 0.02))  # fmt: skip
                if rnd.random() < 0.05:  # not screened: absent, refused or not yet
                    continue
                day = start + dt.timedelta(days=rnd.randrange(15))
                rid = ids.next("response")
                instrument = "phq-a" if gy >= 7 else "ces-dc"
                responses.append((rid, aid, instrument, "1.0", at(day, 9), at(day, 9, 20), "submitted"))
                level = rnd.choice(levels)
                results.append((ids.next("result"), rid, instrument, "1.0", True, {"total": rnd.randrange(28)},
                                {}, level != "none" and level == "red", level, at(day, 9, 20)))  # fmt: skip
                if level != "none":
                    positives.append((st, s, y, level, day))
                    if rnd.random() < 0.93 and (psych_of.get(s)):
                        late = rnd.random() < 0.1
                        talked = day + dt.timedelta(
                            days=rnd.randrange(8, 20) if late else rnd.randrange(0, 5)
                        )
                        if past(talked):
                            reviews.append(
                                (
                                    ids.next("review"),
                                    aid,
                                    psych_of[s],
                                    at(talked, 14),
                                    enc["review"],
                                    level,
                                    "monitor" if level == "yellow" else "open_case",
                                    at(talked, 15),
                                )
                            )
    cp.copy(Assignment, ["id", "campaign_id", "student_id", "school_id", "school_class_id", "grade", "absent"],
            assignments)  # fmt: skip
    del assignments
    cp.copy(Response, ["id", "assignment_id", "instrument_id", "instrument_version", "started_at", "submitted_at",
                       "status"], responses)  # fmt: skip
    del responses
    cp.copy(
        Result,
        [
            "id",
            "response_id",
            "instrument_id",
            "instrument_version",
            "valid",
            "scores",
            "bands",
            "critical",
            "level",
            "computed_at",
        ],
        ((r[0], r[1], r[2], r[3], r[4], json.dumps(r[5]), json.dumps(r[6]), *r[7:]) for r in results),
    )
    del results
    cp.copy(Review, ["id", "assignment_id", "reviewer_id", "talked_at", "outcome", "confirmed_level", "next_step",
                     "created_at"], reviews)  # fmt: skip
    del reviews

    # --- care: cases for red and orange, guardian contacts, referrals, current levels, abnormality reports ----------
    cases, contacts, referrals, level_rows = [], [], [], []
    institution_of = {}
    for d, _p in districts:
        institution_of[d] = ids.next("institution")
    cp.copy(Institution, ["id", "district_id", "name", "kind", "created_at"],
            [(i, d, "精神卫生中心", "centre", at(valid_from)) for d, i in institution_of.items()])  # fmt: skip
    district_of = {s: d for s, d, *_ in schools}
    has_open: set[int] = set()
    for st, s, y, level, day in positives:
        if level not in ("red", "orange") or st in has_open:
            continue
        case_id = ids.next("case")
        opened = day + dt.timedelta(days=rnd.randrange(3))
        closed = y < current
        if not closed:
            has_open.add(st)
        owner = psych_of.get(s)
        cases.append((case_id, st, s, level, "closed" if closed else "intervening", owner, "screening",
                      at(opened), at(dt.date(y + 1, 6, 30)) if closed else None))  # fmt: skip
        if rnd.random() < 0.92:
            when = opened + dt.timedelta(days=0 if rnd.random() < 0.85 else rnd.randrange(2, 6))
            if past(when):
                contacts.append(
                    (ids.next("contact"), case_id, "phone", at(when, 16), "家长", True, at(when, 16))
                )
        if rnd.random() < 0.25:
            status = rnd.choice(["sent", "appointment", "seen", "feedback", "returned", "returned"])
            referrals.append((ids.next("referral"), case_id, st, s, institution_of[district_of[s]], level == "red",
                              enc["reason"], status,
                              at(opened + dt.timedelta(days=3)), at(opened)))  # fmt: skip
        if not closed:
            level_rows.append(
                (ids.next("level"), st, level, enc["empty_list"], "screening", s, at(opened), True)
            )
    cp.copy(Case, ["id", "student_id", "school_id", "level", "status", "owner_id", "source_type", "opened_at",
                   "closed_at"], cases)  # fmt: skip
    cp.copy(
        GuardianContact,
        ["id", "case_id", "channel", "at", "guardian_name", "reached", "created_at"],
        contacts,
    )
    cp.copy(Referral, ["id", "case_id", "student_id", "school_id", "institution_id", "urgent", "reason", "status", "status_at",
                       "proposed_at"], referrals)  # fmt: skip
    cp.copy(LevelRecord, ["id", "student_id", "level", "reasons", "source_type", "school_id", "confirmed_at",
                          "is_current"], level_rows)  # fmt: skip
    del cases, contacts, referrals, level_rows, positives

    reports = []
    for s, _d, _stage, _c, _p in schools:
        staff = staff_of[s]
        for st, _g in rnd.sample(school_students[s], k=max(1, len(school_students[s]) // 100)):
            day = today - dt.timedelta(days=rnd.randrange(3 * 365))
            triaged = (
                None if rnd.random() < 0.03 else at(day, 10) + dt.timedelta(hours=rnd.choice([1, 3, 20, 40]))
            )
            reports.append((ids.next("report"), st, s, rnd.choice(staff), f"k{st}-{day}", "emotion",
                            enc["observed"], "normal", at(day, 9), at(day, 9) + dt.timedelta(hours=24),
                            "watch" if triaged else "", triaged, psych_of.get(s) if triaged else None))  # fmt: skip
    cp.copy(AbnormalityReport, ["id", "student_id", "school_id", "reporter_id", "key", "category", "observed",
                                "urgency", "reported_at", "triage_deadline", "outcome", "triaged_at",
                                "triaged_by_id"], reports)  # fmt: skip
    del reports

    # --- schoolwork: lessons every fortnight (some classes behind), key times, visits, sessions, meetings --------------
    lessons, keytimes, visits, psessions, meetings, classdays = [], [], [], [], [], []
    for (s, y, g), cls_ids in classes.items():
        for term in (1, 2):
            sid, start, end = sem_ids[(y, term)]
            behind = rnd.random() < 0.12
            for cid in cls_ids:
                day = start + dt.timedelta(days=7)
                n = 0
                while day <= min(end, today):
                    if not (behind and n % 3 == 2):
                        focus = ""
                        if term == 2 and g in (9, 12) and n in (4, 6) and rnd.random() < 0.9:
                            focus = "pre_exam" if n == 4 else "stress_relief"  # R3.1: graduating classes
                        lessons.append((ids.next("lesson"), s, sid, cid, day, 1, f"主题{n + 1}", focus,
                                        psych_of.get(s), at(day, 15)))  # fmt: skip
                    n += 1
                    day += dt.timedelta(days=14)
                for k in range(3):
                    d0 = start + dt.timedelta(days=20 + 30 * k)
                    if past(d0):
                        full = rnd.random() < 0.7  # R6: a full hour in school and one outside
                        classdays.append((ids.next("classday"), s, cid, d0, 60 if full else 45, 60 if full else 30,
                                          40))  # fmt: skip
            keys = (
                ["before_final"]
                + (["entry"] if term == 1 and g in (1, 7, 10) else [])
                + (["graduation"] if term == 2 and g in (6, 9, 12) else [])
            )
            for key in keys:
                held = start + dt.timedelta(days=30 if key == "entry" else 100)
                if past(held) and rnd.random() < 0.9:
                    keytimes.append((ids.next("keytime"), s, sid, g, key, held, "专题活动", at(held)))
    for s, _d, _stage, _c, _p in schools:
        staff = staff_of[s]
        for y in range(first_year, current + 1):
            for term in (1, 2):
                sid, start, end = sem_ids[(y, term)]
                if not past(start + dt.timedelta(days=40)):
                    continue
                for k in range(rnd.randrange(1, 4)):
                    day = start + dt.timedelta(days=40 + 20 * k)
                    psessions.append((ids.next("psession"), s, sid, day, f"家长课堂{k + 1}", at(day)))
            for q in range(4):
                day = dt.date(y, 9, 15) + dt.timedelta(days=91 * q)
                if past(day) and rnd.random() < 0.85:
                    meetings.append((ids.next("meeting"), s, day, "心理健康工作领导小组会议", at(day)))
        for st, g in rnd.sample(school_students[s], k=len(school_students[s]) // 12):
            y = current - rnd.randrange(3)
            gy = g - (current - y)
            if (s, y, gy) not in classes:
                continue
            term = 1 if rnd.random() < 0.6 else 2
            sid, start, end = sem_ids[(y, term)]
            day = start + dt.timedelta(days=rnd.randrange(60))
            if past(day):
                visits.append((ids.next("visit"), st, s, classes[(s, y, gy)][0], year_ids[y], sid, day, "班主任",
                               "in_person", "家访记录", at(day, 18)))  # fmt: skip
    cp.copy(Lesson, ["id", "school_id", "semester_id", "school_class_id", "given_on", "class_hours", "topic",
                     "focus", "teacher_id", "recorded_at"], lessons)  # fmt: skip
    del lessons
    cp.copy(ClassDay, ["id", "school_id", "school_class_id", "day", "pe_in_school", "pe_outside", "outdoor_break"],
            classdays)  # fmt: skip
    cp.copy(KeyTimeActivity, ["id", "school_id", "semester_id", "grade", "key", "held_on", "topic", "recorded_at"],
            keytimes)  # fmt: skip
    cp.copy(ParentSession, ["id", "school_id", "semester_id", "held_on", "title", "created_at"], psessions)
    cp.copy(LeadershipMeeting, ["id", "school_id", "held_on", "title", "created_at"], meetings)
    cp.copy(HomeVisit, ["id", "student_id", "school_id", "school_class_id", "school_year_id", "semester_id",
                        "visited_on", "visitors", "mode", "summary", "recorded_at"], visits)  # fmt: skip
    del classdays, keytimes, psessions, meetings, visits

    # --- district: plans, trainings with attendance --------------------------------------------------------------------
    plans, trainings, attendance = [], [], []
    for d, _p in districts:
        for y in range(first_year, current + 1):
            if rnd.random() < 0.9:
                plans.append((ids.next("plan"), d, year_ids[y], f"{y}学年心理健康工作计划", "submitted",
                              at(dt.date(y, 9, 20)), at(dt.date(y, 9, 10))))  # fmt: skip
            for term in (1, 2):
                sid, start, _end = sem_ids[(y, term)]
                day = start + dt.timedelta(days=45)
                if not past(day):
                    continue
                tid = ids.next("training")
                trainings.append((tid, d, sid, day, "全员心理健康培训", at(day)))
    by_district = {d: [s for s, dd, *_ in schools if dd == d] for d, _p in districts}
    t_district = {t[0]: t[1] for t in trainings}
    for tid, d in t_district.items():
        for s in by_district[d]:
            for uid in staff_of[s]:
                if rnd.random() < 0.8:
                    attendance.append((ids.next("attend"), tid, uid, s, "qr", at(today)))
    cp.copy(DistrictPlan, ["id", "district_id", "school_year_id", "title", "status", "submitted_at", "created_at"],
            plans)  # fmt: skip
    cp.copy(Training, ["id", "organiser_id", "semester_id", "held_on", "topic", "created_at"], trainings)
    cp.copy(
        TrainingAttendance, ["id", "training_id", "user_id", "school_id", "method", "signed_at"], attendance
    )

    # --- arts practice per class and year, with most of the class taking part (R7) ---------------------------------
    _arts(cp, ids, rnd, schools, classes, school_students, year_ids, current, first_year, today)

    # --- counseling rooms with a duty roster and appointments (R4.3); the district centres' duty and messages (R4.2)
    _counseling(cp, ids, rnd, schools, psych_of, school_students, today)
    _centre(cp, ids, rnd, districts, counselor_of, schools, school_students, first_year, today)

    # sequences after explicit ids
    from io import StringIO

    from django.apps import apps

    out = StringIO()
    labels = sorted({m._meta.app_label for m in apps.get_models()})
    call_command("sqlsequencereset", *labels, stdout=out, no_color=True)
    with connection.cursor() as cur:
        cur.execute(out.getvalue())
        cur.execute("ANALYZE")
    return cp.counts


def _counseling(cp: Copier, ids: Ids, rnd: random.Random, schools, psych_of, school_students, today) -> None:
    from counseling.rooms.models import Appointment, CounselingRoom, RoomDutyShift

    rooms, shifts, appointments = [], [], []
    for s, _d, _stage, campuses, _p in schools:
        counselor = psych_of.get(s)
        if counselor is None or rnd.random() < 0.05:
            continue
        rid = ids.next("room")
        rooms.append((rid, s, campuses[0], "心理辅导室", 40, True))
        for wd in (1, 3):
            shifts.append((ids.next("shift"), rid, counselor, wd, dt.time(14), dt.time(17),
                           today - dt.timedelta(days=1100)))  # fmt: skip
        for st, _g in rnd.sample(school_students[s], k=min(40, len(school_students[s]))):
            day = today - dt.timedelta(days=rnd.randrange(1, 1000))
            appointments.append((ids.next("appt"), st, rid, counselor, at(day, 14), at(day, 14, 40), "attended",
                                 counselor, at(day - dt.timedelta(days=2))))  # fmt: skip
    cp.copy(CounselingRoom, ["id", "school_id", "campus_id", "name", "slot_minutes", "is_active"], rooms)
    cp.copy(
        RoomDutyShift, ["id", "room_id", "counselor_id", "weekday", "starts", "ends", "valid_from"], shifts
    )
    cp.copy(Appointment, ["id", "student_id", "room_id", "counselor_id", "starts_at", "ends_at", "status",
                          "requested_by_id", "created_at"], appointments)  # fmt: skip


def _arts(
    cp: Copier,
    ids: Ids,
    rnd: random.Random,
    schools,
    classes,
    school_students,
    year_ids,
    current,
    first_year,
    today,
) -> None:
    from schoolwork.programs.models import ClassActivity

    through = ClassActivity.participants.through
    activities, members = [], []
    activities_of: dict[tuple[int, int], int] = {}  # (class, year) -> activity
    for s, _d, stage, _c, _p in schools:
        for y in range(first_year, current + 1):
            held = dt.date(y, 12, 10)
            if held > today:
                continue
            for st, g in school_students[s]:
                gy = g - (current - y)
                if gy < GRADES[stage][0]:
                    continue
                cls_list = classes[(s, y, gy)]
                cid = cls_list[st % len(cls_list)]
                key = (cid, y)
                if key not in activities_of:
                    activities_of[key] = ids.next("activity")
                    activities.append(
                        (activities_of[key], s, cid, year_ids[y], "arts", held, "合唱节", at(held))
                    )
                if rnd.random() < 0.8:
                    members.append((ids.next("activity_member"), activities_of[key], st))
    cp.copy(ClassActivity, ["id", "school_id", "school_class_id", "school_year_id", "kind", "held_on", "title",
                            "recorded_at"], activities)  # fmt: skip
    cp.copy(through, ["id", "classactivity_id", "student_id"], members)


def _centre(
    cp: Copier,
    ids: Ids,
    rnd: random.Random,
    districts,
    counselor_of,
    schools,
    school_students,
    first_year,
    today,
) -> None:
    from counseling.centre.models import DutyShift, Message

    body = Message._meta.get_field("body").get_db_prep_save("最近压力很大，想找人聊聊", cp.connection)
    shifts, messages = [], []
    students_of: dict[int, list[int]] = {}
    for s, d, *_rest in schools:
        students_of.setdefault(d, []).extend(st for st, _g in school_students[s][:50])
    day = dt.date(first_year, 9, 1)
    while day < today:
        for d, _p in districts:
            if rnd.random() < 0.95:  # a day now and then nobody is rostered
                shifts.append((ids.next("duty"), d, counselor_of[d], at(day, 7), at(day, 23), at(day)))
            for _k in range(2):
                sent = at(day, rnd.randrange(7, 23), rnd.randrange(60))
                due = sent + dt.timedelta(hours=12)
                late = rnd.random() < 0.08
                replied = sent + dt.timedelta(hours=rnd.randrange(13, 30) if late else rnd.randrange(1, 11))
                messages.append((ids.next("message"), d, rnd.choice(students_of[d]), body,
                                 f"bench-{ids.next('message_key')}", sent, due, replied, "answered"))  # fmt: skip
        day += dt.timedelta(days=1)
    cp.copy(DutyShift, ["id", "district_id", "counselor_id", "starts_at", "ends_at", "created_at"], shifts)
    cp.copy(Message, ["id", "district_id", "student_id", "body", "submit_key", "created_at", "reply_due",
                      "first_reply_at", "status"], messages)  # fmt: skip


def _chunks(it: Iterable, n: int) -> Iterator[list]:
    it = iter(it)
    while chunk := list(itertools.islice(it, n)):
        yield chunk


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", required=True, help="postgres://user@host:port (a database is made)")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = a million students")
    parser.add_argument("--name", default="city")
    args = parser.parse_args()
    from _fresh import fresh_django

    fresh_django(args.name, args.pg)
    started = time.perf_counter()
    counts = generate(args.scale)
    print(f"generated in {time.perf_counter() - started:.0f} s:", file=sys.stderr)
    for name, n in counts.items():
        print(f"  {name:24} {n:>12,}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
