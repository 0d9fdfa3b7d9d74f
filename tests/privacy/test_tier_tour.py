"""Issue 19, build 4: tier leaks by composition — a tour of every page for every demo login.

The demo city is seeded (as ``make run`` does) and then every T3/T4 text field of its rows gets a **canary**: a
unique value (``XYC<n>Q``) that stands in for the clinical text, so the check looks for real values, not for labels.
Screening scores get unique numbers the same way. The identity fields that need more than the roster (the whole
学籍号 with the ID number in it, guardians' phone numbers, birth dates) are looked for with their real values.

Each demo login then walks the site in the Django test client: the home page, every link of every page it reaches
(a few pages per URL shape, so a list of 600 students costs a few pages, not 600), and the page of every record
that holds a canary and of its student (a 404 for most), HTML, JSON, CSV and Excel alike. A page fails the tour when it shows a canary or an identity value its reader may not have:

- T4 (session notes): the author only.
- T3 clinical text and scores: the students whose clinical text the reader's posts open
  (``access.policy.clinical_student_q``: the psychological teacher, the escalated district counselor) — not the
  school leader (red/orange cases by name, level and status only), the class teacher, the district officer. Plus
  what the record itself gives a person: its author, the person a task is assigned to, the student who wrote a
  message and the centre's counselors of that district, the clinician of the institution a referral is addressed
  to (reason, what was shared, feedback), a student's or guardian's own scores when the campaign shows them.
- the whole 学籍号: T3 holders of the student, the student and their guardians (others see it masked).
- a guardian's phone number: the roster holders of the student's school or class, and the guardian.
- a birth date: the readers of the student's roster detail (``access.policy.roster_detail_q``: not a clinician,
  not a teacher without a class), the student and their guardians — pages mostly show the age.

One exception, named here so that it stays in sight: the audit trail names each event's actor by their login, and a
guardian's login is their mobile number (roster import, invitations), so the auditor's pages show guardians' phone
numbers as actors. The trail exists to say who did what, and its export is hash-checked as written, so this is left
for a decision (reported with issue 19) and allowed only as an actor's login on the auditor's pages.

The demo's other district (朝阳) works too, so ``other_district_officer`` and a sibling district's rows are in it.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Q
from django.test import Client
from django.urls import reverse

from access.policy import Scope as S
from access.policy import clinical_student_q, full_roster_q, posts_of, roster_detail_q, student_q
from access.tiers import Tier
from org.demo.logins import DEMO_LOGINS
from org.models import Guardian, Role, Student, User
from tests.demo.test_demo_pages import STUDENTS, _login

TOKEN = re.compile(r"XYC(\d+)Q")
SCORE = re.compile(r"(?<![\w.])(9\d{5})(?![\w.])")  # not inside a hash, a time or a number
SCORE_BASE = 900_000
STUDENT_NO = re.compile(r"(?<![0-9A-Za-z])([GL][0-9]{17}[0-9X])(?![0-9A-Za-z])")
PHONE = re.compile(r"(?<!\d)(1[3-9]\d{9})(?!\d)")
PER_SHAPE = 2  # pages opened per URL shape (/care/cases/<id>/ is one shape)
PER_LOGIN = 600  # a bound on the pages one login opens
SKIP = ("/static/", "/media/", "/logout", "/i18n/", "/login", "/accounts/logout")
TIMES: dict[str, float] = {}


@dataclass
class Canary:
    """One planted value: which field of which row, whose student, who gets it from the record itself."""

    what: str  # "care.Case.summary"
    tier: int
    student_id: int | None
    owners: frozenset[int] = frozenset()  # users the record itself shows it to (author, assignee, sender)
    district_path: str = ""  # the centre's district (messages, online talks)
    institution_id: int | None = None  # a referral's institution (its clinicians read the minimum data)
    own_scores: bool = False  # a result the campaign shows to the student and their guardians


CANARIES: list[Canary] = []


def _plant(what: str, tier: int, student_id: int | None, **kw) -> str:
    CANARIES.append(Canary(what, tier, student_id, **kw))
    return f"XYC{len(CANARIES) - 1}Q"


def _ids(*users) -> frozenset[int]:
    return frozenset(u for u in users if u)


def _write(obj, **values) -> None:
    for name, value in values.items():
        setattr(obj, name, value)
    obj.save(update_fields=list(values))


def plant_canaries() -> dict[str, int]:
    """Give every T3/T4 text field of the demo's rows a canary; every screening score a unique number."""
    m = apps.get_model
    for case in m("care", "Case").objects.all():
        sid = case.student_id
        _write(
            case,
            summary=_plant("care.Case.summary", 3, sid, owners=_ids(case.opened_by_id)),
            closing_note=_plant("care.Case.closing_note", 3, sid, owners=_ids(case.closed_by_id)),
        )
    for ev in m("care", "CaseEvent").objects.select_related("case"):
        if ev.reason:
            _write(
                ev, reason=_plant("care.CaseEvent.reason", 3, ev.case.student_id, owners=_ids(ev.actor_id))
            )
    for step in m("care", "CrisisStep").objects.select_related("case"):
        own = _ids(step.done_by_id, step.owner_id)
        _write(
            step, skipped_reason=_plant("care.CrisisStep.skipped_reason", 3, step.case.student_id, owners=own)
        )
    for fu in m("care", "FollowUp").objects.select_related("case"):
        _write(fu, outcome=_plant("care.FollowUp.outcome", 3, fu.case.student_id, owners=_ids(fu.done_by_id)))
    for plan in m("care", "Plan").objects.select_related("case"):
        sid, own = plan.case.student_id, _ids(plan.created_by_id, plan.updated_by_id)
        fields = (
            "goals",
            "warning_signs",
            "coping_steps",
            "people_and_places",
            "professionals",
            "safe_environment",
        )
        _write(plan, **{f: _plant(f"care.Plan.{f}", 3, sid, owners=own) for f in fields})
    for act in m("care", "PlanAction").objects.select_related("plan__case"):
        own = _ids(
            act.owner_id, act.created_by_id, act.done_by_id
        )  # a task is its assignee's (class teacher)
        _write(act, text=_plant("care.PlanAction.text", 3, act.plan.case.student_id, owners=own))
    for ref in m("care", "Referral").objects.all():
        sid, inst = ref.student_id, ref.institution_id
        own = _ids(ref.proposed_by_id)
        _write(
            ref,
            reason=_plant("care.Referral.reason", 3, sid, owners=own, institution_id=inst),
            shared=_plant("care.Referral.shared", 3, sid, owners=own, institution_id=inst),
            feedback=_plant(
                "care.Referral.feedback", 3, sid, owners=_ids(ref.feedback_by_id), institution_id=inst
            ),
            support_plan=_plant("care.Referral.support_plan", 3, sid, owners=own),
        )
    for rep in m("care", "AbnormalityReport").objects.all():
        sid = rep.student_id
        _write(
            rep,
            observed=_plant("care.AbnormalityReport.observed", 3, sid, owners=_ids(rep.reporter_id)),
            triage_note=_plant("care.AbnormalityReport.triage_note", 3, sid, owners=_ids(rep.triaged_by_id)),
        )
    for model in ("LevelRecord", "Alert"):
        for row in m("care", model).objects.all():
            values = {}
            if row.reasons:
                values["reasons"] = [
                    {
                        **r,
                        "text": {
                            lang: _plant(f"care.{model}.reasons", 3, row.student_id)
                            for lang in ("en", "zh-hans")
                        },
                    }
                    for r in row.reasons
                ]
            if model == "LevelRecord":
                values["note"] = _plant(
                    "care.LevelRecord.note", 3, row.student_id, owners=_ids(row.confirmed_by_id)
                )
            if values:
                _write(row, **values)
    for visit in m("schoolwork", "HomeVisit").objects.all():
        own = _ids(visit.recorded_by_id)
        _write(
            visit,
            sensitive_note=_plant("schoolwork.HomeVisit.sensitive_note", 3, visit.student_id, owners=own),
        )
    for ap in m("counseling", "Appointment").objects.select_related("student"):
        own = _ids(ap.requested_by_id, ap.counselor_id, ap.student.user_id)
        _write(ap, concern=_plant("counseling.Appointment.concern", 3, ap.student_id, owners=own))
    for sess in m("counseling", "CounselingSession").objects.all():
        _write(
            sess,
            notes=_plant(
                "counseling.CounselingSession.notes", 4, sess.student_id, owners=_ids(sess.counselor_id)
            ),
        )
    for msg in m("counseling", "Message").objects.select_related("district", "student"):
        own = _ids(msg.student.user_id if msg.student_id else None)
        path = msg.district.path
        _write(msg, body=_plant("counseling.Message.body", 3, msg.student_id, owners=own, district_path=path))
        for reply in msg.replies.all():
            _write(
                reply,
                body=_plant(
                    "counseling.MessageReply.body",
                    3,
                    msg.student_id,
                    owners=own | _ids(reply.author_id),
                    district_path=path,
                ),
            )
    for online in m("counseling", "OnlineSession").objects.select_related("district", "student"):
        path, sid = online.district.path, online.student_id
        _write(
            online, notes=_plant("counseling.OnlineSession.notes", 4, sid, owners=_ids(online.counselor_id))
        )
        own = _ids(online.student.user_id, online.counselor_id)
        for line in online.lines.all():
            _write(line, body=_plant("counseling.OnlineLine.body", 3, sid, owners=own, district_path=path))
    for review in m("screening", "Review").objects.select_related("assignment"):
        sid = review.assignment.student_id
        _write(review, outcome=_plant("screening.Review.outcome", 3, sid, owners=_ids(review.reviewer_id)))
    for result in m("screening", "Result").objects.select_related("response__assignment__campaign"):
        assignment = result.response.assignment
        shown = assignment.campaign.student_view == "scores"
        scores = {}
        for key in result.scores:
            _plant("screening.Result.scores", 3, assignment.student_id, own_scores=shown)
            scores[key] = SCORE_BASE + len(CANARIES) - 1
        values = {"scores": scores}
        if result.flags and result.flags.get("reasons"):
            values["flags"] = {
                **result.flags,
                "reasons": [
                    {
                        **r,
                        "text": {
                            "en": (t := _plant("screening.Result.flags", 3, assignment.student_id)),
                            "zh-hans": t,
                        },
                    }
                    if isinstance(r, dict)
                    else _plant("screening.Result.flags", 3, assignment.student_id)
                    for r in result.flags["reasons"]
                ],
            }
        _write(result, **values)
    planted: dict[str, int] = defaultdict(int)
    for c in CANARIES:
        planted[c.what] += 1
    return dict(planted)


@dataclass
class Reader:
    """What the tier table and the records give one login (computed from the policy and the rows once)."""

    user: User
    clinical: frozenset[int]
    unmasked: frozenset[int]
    own: frozenset[int]
    guardian_roster: frozenset[int]
    centre_paths: tuple[str, ...]
    institutions: frozenset[int]
    birth_dates: frozenset[int]
    phones: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, user: User) -> Reader:
        def ids(q: Q) -> frozenset[int]:
            return frozenset(Student.objects.filter(q).values_list("pk", flat=True))

        own = ids(
            Q(user=user)
            | Q(
                pk__in=apps.get_model("org", "GuardianLink")
                .objects.filter(guardian__user=user)
                .values("student_id")
            )
        )
        centre = tuple(p.node.path for p in posts_of(user) if p.role == Role.DISTRICT_COUNSELOR)
        member = apps.get_model("care", "InstitutionMember").objects.filter(user=user)
        roster = ids(full_roster_q(user, scopes={S.NODE, S.CLASS}))
        phones = set(Guardian.objects.filter(links__student__in=roster).values_list("phone", flat=True))
        phones |= set(Guardian.objects.filter(user=user).values_list("phone", flat=True))
        return cls(
            user=user,
            clinical=ids(clinical_student_q(user)),
            unmasked=ids(student_q(user, Tier.T3)) | own,
            own=own,
            guardian_roster=roster,
            centre_paths=centre,
            institutions=frozenset(member.values_list("institution_id", flat=True)),
            birth_dates=ids(roster_detail_q(user)) | own,
            phones=frozenset(phones),
        )

    def may_read(self, c: Canary) -> bool:
        if self.user.pk in c.owners:
            return True
        if c.tier >= 4:
            return False
        if c.district_path:  # the district centre's records: its counselors (and the sender, an owner)
            return any(c.district_path.startswith(p) for p in self.centre_paths)
        if c.institution_id is not None and c.institution_id in self.institutions:
            return True
        if c.own_scores and c.student_id in self.own:
            return True
        return c.student_id in self.clinical


def _shape(url: str) -> str:
    path, _, query = url.partition("?")
    return re.sub(r"/\d+(?=/|$)", "/N", path) + ("?" + re.sub(r"=[^&]*", "=", query) if query else "")


def _links(body: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'href="(/[^"#]*)"', body)]


def _text(response) -> str:
    kind = response.get("Content-Type", "")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in kind or content[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as z:
                return "\n".join(
                    z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")
                )
        except zipfile.BadZipFile:
            return ""
    if kind.startswith(("text/", "application/json")) or "csv" in kind:
        return content.decode("utf-8", "replace")
    return ""


@dataclass
class Tour:
    pages: int = 0
    seen: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # canary kind → who read it
    leaks: list[str] = field(default_factory=list)


def object_pages() -> list[str]:
    """The pages of every record that holds a canary, and of its student: every login opens them all (most get a
    404), besides what it reaches by links, so that a record's page is toured whether or not a list links it."""
    m = apps.get_model
    urls: list[str] = []
    students = {c.student_id for c in CANARIES if c.student_id and c.what != "screening.Result.scores"}
    students |= set(sorted({c.student_id for c in CANARIES if c.what == "screening.Result.scores"})[:5])
    for pk in sorted(students):
        urls += [reverse(n, args=[pk]) for n in ("org:student_detail", "care:file_detail")]
    for pk in m("care", "Case").objects.values_list("pk", flat=True):
        urls += [reverse(n, args=[pk]) for n in ("care:case_detail", "care:plan")]
    pages = {
        "care:alert_detail": m("care", "Alert").objects.all(),
        "care:referral": m("care", "Referral").objects.all(),
        "care:report_detail": m("care", "AbnormalityReport").objects.all(),
        "counseling:room_session": m("counseling", "CounselingSession").objects.all(),
        "counseling:centre_message": m("counseling", "Message").objects.all(),
        "counseling:centre_chat": m("counseling", "OnlineSession").objects.all(),
        "screening:results": m("screening", "Campaign").objects.all(),
        "screening:review": m("screening", "Assignment").objects.filter(reviews__isnull=False).distinct(),
    }
    for name, rows in pages.items():
        urls += [reverse(name, args=[pk]) for pk in rows.values_list("pk", flat=True)]
    return urls


def walk(
    username: str, client: Client, reader: Reader, tour: Tour, birth: dict[str, int], seeds: list[str]
) -> None:
    queue, queued, shapes = ["/", *seeds], {"/", *seeds}, defaultdict(int)
    student_nos = dict(Student.objects.values_list("student_no", "pk"))
    opened = 0
    while queue and opened < PER_LOGIN:
        url = queue.pop(0)
        response = client.get(url)
        opened += 1
        if response.status_code in (301, 302):
            target = response["Location"]
            if target.startswith("/") and target not in queued and not target.startswith(SKIP):
                queued.add(target)
                queue.append(target)
            continue
        if response.status_code != 200:
            continue
        body = _text(response)
        tour.pages += 1
        where = f"{username} {url}"
        for n in {int(t) for t in TOKEN.findall(body)}:
            c = CANARIES[n]
            if reader.may_read(c):
                tour.seen[c.what].add(username)
            else:
                tour.leaks.append(f"{where}: {c.what} (T{c.tier}) of student #{c.student_id}")
        for n in {int(s) - SCORE_BASE for s in SCORE.findall(body)}:
            if 0 <= n < len(CANARIES) and CANARIES[n].what == "screening.Result.scores":
                c = CANARIES[n]
                if reader.may_read(c):
                    tour.seen[c.what].add(username)
                else:
                    tour.leaks.append(f"{where}: a screening score of student #{c.student_id}")
        for no in set(STUDENT_NO.findall(body)):
            if no in student_nos and student_nos[no] not in reader.unmasked:
                tour.leaks.append(f"{where}: the whole 学籍号 of student #{student_nos[no]}")
            elif no in student_nos:
                tour.seen["org.Student.student_no"].add(username)
        for phone in set(PHONE.findall(body)):
            if url.startswith("/audit/") and phone in LOGINS:  # the exception in the module's docstring
                tour.seen["audit: a guardian's login as actor"].add(username)
            elif phone in GUARDIAN_PHONES and phone not in reader.phones:
                tour.leaks.append(f"{where}: a guardian's phone number {phone[:3]}…")
            elif phone in GUARDIAN_PHONES:
                tour.seen["org.Guardian.phone"].add(username)
        for date in birth:
            if date in body and birth[date] not in reader.birth_dates:
                tour.leaks.append(f"{where}: the birth date of student #{birth[date]}")
        if "html" not in response.get("Content-Type", ""):
            continue
        for link in _links(body):
            if link in queued or link.startswith(SKIP):
                continue
            queued.add(link)
            shape = _shape(link)
            if shapes[shape] >= PER_SHAPE:
                continue
            shapes[shape] += 1
            queue.append(link)


GUARDIAN_PHONES: set[str] = set()
LOGINS: set[str] = set()


def _birth_dates() -> dict[str, int]:
    """Birth dates as pages would write them, for the students whose birth date no other student shares."""
    counts: dict = defaultdict(list)
    for pk, born in Student.objects.values_list("pk", "birth_date"):
        counts[born].append(pk)
    out = {}
    for born, pks in counts.items():
        if len(pks) == 1:
            out[born.isoformat()] = pks[0]
            out[f"{born.year}年{born.month}月{born.day}日"] = pks[0]
    return out


# Canaries a tour that works must find on a page of a reader allowed to see them: otherwise the tour looks for
# values no page shows, and passes for nothing. (A case's summary and a second-stage review's outcome carry canaries
# too but no page shows them today; once one does, the tour checks who reads it.)
MUST_SEE = {
    "care.Plan.goals",
    "care.PlanAction.text",
    "care.Referral.reason",
    "care.AbnormalityReport.observed",
    "care.Alert.reasons",
    "schoolwork.HomeVisit.sensitive_note",
    "counseling.CounselingSession.notes",
    "counseling.Message.body",
    "screening.Result.scores",
    "org.Student.student_no",
    "org.Guardian.phone",
}


@pytest.fixture(scope="module")
def canary_city(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_demo", students=STUDENTS, seed=1, not_production=True, stdout=StringIO())
        call_command("rollup", full=True, stdout=StringIO())
        CANARIES.clear()
        planted = plant_canaries()
        GUARDIAN_PHONES.clear()
        GUARDIAN_PHONES.update(Guardian.objects.values_list("phone", flat=True))
        LOGINS.clear()
        LOGINS.update(User.objects.values_list("username", flat=True))
        yield planted
        call_command("flush", interactive=False)


@pytest.mark.django_db(transaction=True)
def test_no_page_shows_any_demo_login_a_field_above_its_tier(canary_city, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    tour, birth, seeds = Tour(), _birth_dates(), object_pages()
    started = time.perf_counter()
    for login in DEMO_LOGINS:
        client = _login(login.username)
        user = User.objects.get(username=login.username)
        walk(login.username, client, Reader.of(user), tour, birth, seeds)
    TIMES["tour"] = time.perf_counter() - started
    TIMES["pages"] = tour.pages
    TIMES["canaries"] = len(CANARIES)
    print(
        f"\nTier tour: {len(DEMO_LOGINS)} logins, {tour.pages} pages, {len(CANARIES)} canaries in "
        f"{len(canary_city)} fields, {TIMES['tour']:.1f} s"
    )
    assert tour.pages > 300
    assert not tour.leaks, f"{len(tour.leaks)} fields above the reader's tier:\n" + "\n".join(
        sorted(set(tour.leaks))
    )
    unseen = sorted(MUST_SEE - tour.seen.keys())
    assert not unseen, (
        f"no allowed reader found these on any page — the tour looks in the wrong place: {unseen}"
    )


# Run in the SQLite stage of .ci/run only (pyproject.toml, marker "tour").
pytestmark = pytest.mark.tour
