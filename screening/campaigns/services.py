"""Writes of the screening flow: campaigns, consent, assent, answering, submit with scoring and alert (R5.1, R5.3).

Every function is keyword-only and asks the policy (or checks ownership) before it writes. Errors a client can
cause raise :class:`ScreeningError` with an HTTP status; views turn it into that status.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import JSONField, Max, OuterRef, Q, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from org.models import (
    Enrollment,
    EnrollmentStatus,
    Guardian,
    GuardianLink,
    Node,
    NodeKind,
    Post,
    Role,
    SchoolClass,
    SchoolYear,
    Student,
    User,
    open_q,
)
from screening.battery.models import InstrumentLicence
from screening.battery.selectors import catalogue_ids, district_default_battery, grade_bands
from screening.campaigns.models import (
    Answer,
    AnswerHours,
    Assent,
    Assignment,
    BatteryEntry,
    Campaign,
    CampaignStatus,
    Consent,
    ConsentDecision,
    ConsentRequest,
    ConsentRule,
    ConsentVia,
    Level,
    NextStep,
    Response,
    ResponseStatus,
    Result,
    Review,
)
from screening.rules.selectors import rule_sets_in_force

CONSENT_TOKEN_DAYS = 14
LICENSED = {"confirm", "licensed"}


class ScreeningError(Exception):
    """An error a client can cause. ``fix``: (label, url) of the page that removes the obstacle — every message
    that blocks publishing links to the page that unblocks it (issue 15)."""

    def __init__(self, message: str, status: int = 400, fix: tuple[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.fix = fix


# --- campaigns ------------------------------------------------------------------------------------------------


def _instrument(instrument_id: str, version: str | None = None):
    from screening.instruments import load

    return load(instrument_id, version) if version else load(instrument_id)


def add_default_battery(*, campaign: Campaign) -> list[BatteryEntry]:
    """The campaign starts from its district's default battery (the platform's when the district has set none):
    consecutive grades with the same instruments become one band, numbered in one order (issue 15)."""
    known = catalogue_ids()
    per_grade = district_default_battery(_district_of(campaign.organiser))
    entries = []
    order = 0
    for lo, hi, ids in grade_bands(per_grade, campaign.grade_from, campaign.grade_to):
        # One numbering for the whole battery: a student answers their grade's instruments in this order.
        for found in ids:
            if found not in known:
                continue  # a definition withdrawn since the district chose it
            order += 1
            entries.append(
                BatteryEntry.objects.create(
                    campaign=campaign,
                    grade_from=lo,
                    grade_to=hi,
                    instrument_id=found,
                    instrument_version=known[found],
                    order=order,
                )
            )
    return entries


def create_campaign(
    *,
    by: User,
    organiser: Node,
    name: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    school_year: SchoolYear | None = None,
    grade_from: int = 4,
    grade_to: int = 12,
    consent_rule: str = ConsentRule.ACTIVE_UNDER_AGE,
    consent_age: int = 14,
    notice_text: str = "",
    student_view: str = "nothing",
    default_battery: bool = True,
    answer_hours: str = AnswerHours.RESPONDER,
) -> Campaign:
    from screening.campaigns.selectors import campaign_nodes

    if not any(organiser.is_within(n) for n in campaign_nodes(by)) or organiser.kind not in {
        NodeKind.DISTRICT,
        NodeKind.SCHOOL,
    }:
        raise ScreeningError(_("You may not organise a campaign here."), 403)
    if ends_at <= starts_at:
        raise ScreeningError(_("The window must close after it opens."))
    if answer_hours not in AnswerHours.values:
        raise ScreeningError(_("Choose when questionnaires with suicide-risk questions may be answered."))
    year = school_year or SchoolYear.for_date(timezone.localdate(starts_at)) or SchoolYear.current()
    if year is None:
        raise ScreeningError(_("No school year covers the window."))
    with transaction.atomic():
        campaign = Campaign.objects.create(
            organiser=organiser,
            school_year=year,
            name=name,
            starts_at=starts_at,
            ends_at=ends_at,
            grade_from=grade_from,
            grade_to=grade_to,
            consent_rule=consent_rule,
            consent_age=consent_age,
            notice_text=notice_text or _("Your child's school will run the yearly mental-health screening."),
            student_view=student_view,
            answer_hours=answer_hours,
            created_by=by,
        )
        if default_battery:
            add_default_battery(campaign=campaign)
    return campaign


def set_battery_entry(
    *,
    campaign: Campaign,
    grade_from: int,
    grade_to: int,
    instrument_id: str,
    variant: str = "",
    order: int | None = None,
) -> BatteryEntry:
    """Add an instrument to a grade band (or change its variant). Without an ``order`` it goes last: a student
    answers the instruments of their grade in the battery's one order (reorder with ``move_battery_entry``)."""
    _require_draft(campaign)
    if not (1 <= grade_from <= grade_to <= 12):
        raise ScreeningError(_("The grades must run from 1 to 12, the first no higher than the last."))
    inst = _instrument(instrument_id)
    if variant and variant not in inst.variants:
        # a variant of another instrument would fail at the first submit: refused here, nothing saved
        raise ScreeningError(_("This instrument has no such cut-off variant."))
    existing = BatteryEntry.objects.filter(
        campaign=campaign, grade_from=grade_from, grade_to=grade_to, instrument_id=inst.id
    ).first()
    if order is None:
        order = existing.order if existing else (campaign.battery.aggregate(m=Max("order"))["m"] or 0) + 1
    entry, _created = BatteryEntry.objects.update_or_create(
        campaign=campaign,
        grade_from=grade_from,
        grade_to=grade_to,
        instrument_id=inst.id,
        defaults={"instrument_version": inst.version, "variant": variant, "order": order},
    )
    return entry


def set_answer_hours(*, by: User, campaign: Campaign, answer_hours: str) -> Campaign:
    """The district chooses, while the campaign is a draft, when questionnaires with critical items may be
    opened (issue 15 Build 2): only while a responder is at the school (the default), also in the evening, or at
    any time of the window. Audited."""
    from access import audit

    if campaign.status != CampaignStatus.DRAFT:
        raise ScreeningError(_("Only a draft campaign's answering hours can change."), 409)
    if answer_hours not in AnswerHours.values:
        raise ScreeningError(_("Choose when questionnaires with suicide-risk questions may be answered."))
    before = campaign.answer_hours
    if before != answer_hours:
        campaign.answer_hours = answer_hours
        campaign.save(update_fields=["answer_hours"])
        audit.record(
            actor=by,
            action="screening.campaign.answer_hours",
            obj=campaign,
            detail={"before": before, "after": answer_hours},
        )
    return campaign


def _require_draft(campaign: Campaign) -> None:
    if campaign.status != CampaignStatus.DRAFT:
        raise ScreeningError(_("A launched campaign's battery cannot change."), 409)


def remove_battery_entry(*, campaign: Campaign, entry_id: int) -> None:
    """Take an instrument out of a draft campaign's battery (the page asks for confirmation first)."""
    _require_draft(campaign)
    deleted, _per_model = BatteryEntry.objects.filter(campaign=campaign, pk=entry_id).delete()
    if not deleted:
        raise ScreeningError(_("That instrument is not in this campaign's battery."), 404)


def move_battery_entry(*, campaign: Campaign, entry_id: int, up: bool) -> None:
    """Move an instrument one place earlier (``up``) or later in the battery; the battery is renumbered 1…n so
    that orders stay distinct whatever they were before."""
    _require_draft(campaign)
    entry = BatteryEntry.objects.filter(campaign=campaign, pk=entry_id).first()
    if entry is None:
        raise ScreeningError(_("That instrument is not in this campaign's battery."), 404)
    with transaction.atomic():
        band = list(
            BatteryEntry.objects.select_for_update().filter(campaign=campaign).order_by("order", "pk")
        )
        i = next(k for k, e in enumerate(band) if e.pk == entry.pk)
        j = i - 1 if up else i + 1
        if 0 <= j < len(band):
            band[i], band[j] = band[j], band[i]
        for n, e in enumerate(band, start=1):
            if e.order != n:
                e.order = n
                e.save(update_fields=["order"])


def _posts(user: User) -> list[Post]:
    from access.policy import posts_of

    return posts_of(user)


def _district_of(node: Node) -> Node | None:
    if node.kind == NodeKind.DISTRICT:
        return node
    return Node.objects.filter(pk=node.district_id).first()


def unlicensed_instruments(campaign: Campaign) -> list[str]:
    """Instruments of the battery whose licence is "confirm"/"licensed" and not recorded by the district."""
    district = _district_of(campaign.organiser)
    held = set(InstrumentLicence.objects.filter(district=district).values_list("instrument_id", flat=True))
    out = []
    for entry in campaign.battery.all():
        inst = _instrument(entry.instrument_id, entry.instrument_version)
        if inst.licence in LICENSED and entry.instrument_id not in held:
            out.append(entry.instrument_id)
    return sorted(set(out))


def targeted_grades(campaign: Campaign) -> list[int]:
    """The grades screened: those chosen (issue 20 build 4), else the campaign's range."""
    chosen = sorted({int(g) for g in campaign.target_grades or []})
    return chosen or list(range(campaign.grade_from, campaign.grade_to + 1))


def target_enrollments(campaign: Campaign):
    """The enrollments a launch assigns (R5.1; issue 20 build 4): active, of the campaign's school year, under the
    organiser, never at a school or campus closed (撤销) by launch (issue 18). Nothing chosen: every student of the
    targeted grades. Units or classes chosen: the students of the targeted grades in the chosen units (districts,
    education groups, schools), and every student of a chosen class, whole."""
    org = campaign.organiser
    today = timezone.localdate()
    base = Enrollment.objects.filter(
        open_q("school__", today),
        open_q("school_class__campus__", today),  # no class: no campus, kept
        status=EnrollmentStatus.ACTIVE,
        school_year=campaign.school_year,
        school__path__startswith=org.path,
    )
    grades = Q(grade__in=targeted_grades(campaign))
    # .all(): a page that shows the choices prefetches them once (prefetch_related_objects).
    unit_paths = [u.path for u in campaign.target_units.all()]
    class_ids = [c.pk for c in campaign.target_classes.all()]
    if not unit_paths and not class_ids:
        return base.filter(grades)
    where = Q(pk__in=[])
    if unit_paths:
        within = Q(pk__in=[])
        for path in unit_paths:
            within |= Q(school__path__startswith=path)
        where |= grades & within
    if class_ids:
        where |= Q(school_class_id__in=class_ids)
    return base.filter(where)


def set_targeting(
    *, by: User, campaign: Campaign, unit_ids: list[int], class_ids: list[int], grades: list[int]
) -> Campaign:
    """Choose who a draft campaign screens (issue 20 build 4): districts, education groups or schools under the
    organiser, whole classes of the campaign's school year there, and the grades (none chosen: the current
    range). Anything outside the organiser is refused and nothing changes. Audited."""
    from access import audit

    if campaign.status != CampaignStatus.DRAFT:
        raise ScreeningError(_("Only a draft campaign's students can change."), 409)
    org = campaign.organiser
    unit_ids, class_ids = sorted(set(unit_ids)), sorted(set(class_ids))
    units = list(
        Node.objects.filter(
            pk__in=unit_ids,
            kind__in=[NodeKind.DISTRICT, NodeKind.GROUP, NodeKind.SCHOOL],
            path__startswith=org.path,
        )
    )
    if len(units) != len(unit_ids):
        raise ScreeningError(_("Choose districts and schools within the organiser of this campaign."))
    classes = list(
        SchoolClass.objects.filter(
            pk__in=class_ids, school_year=campaign.school_year, school__path__startswith=org.path
        )
    )
    if len(classes) != len(class_ids):
        raise ScreeningError(_("Choose classes of this school year within the organiser of this campaign."))
    grades = sorted(set(grades))
    if any(g < 1 or g > 12 for g in grades):
        raise ScreeningError(_("Grades run from 1 to 12."))
    with transaction.atomic():
        campaign.target_grades = grades
        if grades:  # the range follows the chosen grades (battery defaults and the list read it)
            campaign.grade_from, campaign.grade_to = grades[0], grades[-1]
        campaign.save(update_fields=["target_grades", "grade_from", "grade_to"])
        campaign.target_units.set(units)
        campaign.target_classes.set(classes)
        audit.record(
            actor=by,
            action="screening.campaign.targeting",
            obj=campaign,
            detail={"units": unit_ids, "classes": class_ids, "grades": grades},
        )
    return campaign


@dataclass
class LaunchSummary:
    """What a launch will do, shown before the organiser confirms it (issue 20 build 4)."""

    students: int
    consents: int  # students whose guardian must consent before they answer (the campaign's consent rule)
    schools: int
    classes: int
    by_grade: dict[int, int]  # grade → students
    fingerprint: str  # of exactly these students and the consent rule: a launch confirms this


def launch_summary(campaign: Campaign) -> LaunchSummary:
    """The counts of a launch, read once from the targeted enrollments (one query for the rows)."""
    rows = (
        target_enrollments(campaign)
        .order_by("student_id")
        .values_list("student_id", "school_id", "school_class_id", "grade", "student__birth_date")
    )
    digest = hashlib.sha256(f"{campaign.pk}|{campaign.consent_rule}|{campaign.consent_age}".encode())
    students = consents = 0
    schools: set[int] = set()
    classes: set[int] = set()
    by_grade: dict[int, int] = {}
    for student_id, school_id, class_id, grade, birth in rows.iterator(chunk_size=2000):
        students += 1
        consents += _needs_consent(campaign, birth)
        schools.add(school_id)
        if class_id:
            classes.add(class_id)
        by_grade[grade] = by_grade.get(grade, 0) + 1
        digest.update(f"{student_id}:{grade},".encode())
    return LaunchSummary(
        students=students,
        consents=consents,
        schools=len(schools),
        classes=len(classes),
        by_grade=dict(sorted(by_grade.items())),
        fingerprint=digest.hexdigest()[:32],
    )


def schools_without_psych_teacher(campaign: Campaign) -> list[Node]:
    """R5.3: screen only where follow-up exists — target schools with no psychological teacher post."""
    school_ids = set(target_enrollments(campaign).values_list("school_id", flat=True).distinct())
    staffed = set(
        Post.objects.active()
        .filter(role=Role.PSYCH_TEACHER)
        .filter(Q(node_id__in=school_ids) | Q(node__parent_id__in=school_ids))
        .values_list("node__school_id", flat=True)
    )
    return list(Node.objects.filter(pk__in=school_ids - staffed).order_by("path"))


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _needs_consent(campaign: Campaign, student_birth: dt.date) -> bool:
    if campaign.consent_rule == ConsentRule.ACTIVE_ALL:
        return True
    if campaign.consent_rule == ConsentRule.NOTICE_ALL:
        return False
    return _age_on(student_birth, timezone.localdate(campaign.starts_at)) < campaign.consent_age


def check_launchable(campaign: Campaign) -> None:
    """What blocks a launch, before anyone is asked to confirm it: not a draft, no instruments, an instrument
    whose licence the district has not recorded. Raises :class:`ScreeningError` with the way to fix it."""
    if campaign.status != CampaignStatus.DRAFT:
        raise ScreeningError(_("Only a draft campaign can be launched."), 409)
    if not campaign.battery.exists():
        raise ScreeningError(
            _("The campaign has no instruments."),
            fix=(
                _("Add instruments to the battery"),
                reverse("screening:campaign", args=[campaign.pk]) + "#battery",
            ),
        )
    missing = unlicensed_instruments(campaign)
    if missing:
        from screening.campaigns.presenting import staff_name

        raise ScreeningError(
            _(
                "These instruments need a licence recorded by the district administrator before launch: %(ids)s"
            )
            % {"ids": "、".join(staff_name(i) for i in missing)},
            409,
            fix=(_("Record the licence on the licence page"), reverse("screening:licences")),
        )


def launch_campaign(*, by: User, campaign: Campaign, confirmed: str) -> list[Node]:
    """Launch: check licences, assign every target student. ``confirmed`` is the fingerprint of the
    :func:`launch_summary` the organiser was shown and confirmed (issue 20 build 4): a launch without it, or after
    the targeted students changed, does nothing. Returns target schools with no psychological teacher (the page
    warned about them before the user confirmed)."""
    check_launchable(campaign)
    if not confirmed or confirmed != launch_summary(campaign).fingerprint:
        raise ScreeningError(
            _(
                "The students this campaign targets changed since the counts were shown: check them and confirm again."
            ),
            409,
            fix=(_("See the counts again"), reverse("screening:campaign", args=[campaign.pk]) + "#launch"),
        )
    warn = schools_without_psych_teacher(campaign)
    with transaction.atomic():
        rows = (
            target_enrollments(campaign)
            .select_related("student")
            .only("student_id", "school_id", "school_class_id", "grade", "student__birth_date")
        )
        Assignment.objects.bulk_create(
            [
                Assignment(
                    campaign=campaign,
                    student_id=e.student_id,
                    school_id=e.school_id,
                    school_class_id=e.school_class_id,
                    grade=e.grade,
                    needs_consent=_needs_consent(campaign, e.student.birth_date),
                )
                for e in rows.iterator(chunk_size=2000)
            ],
            batch_size=2000,
            ignore_conflicts=True,
        )
        campaign.status = CampaignStatus.LAUNCHED
        campaign.launched_at = timezone.now()
        campaign.save(update_fields=["status", "launched_at"])
    return warn


def close_campaign(*, campaign: Campaign) -> None:
    campaign.status = CampaignStatus.CLOSED
    campaign.save(update_fields=["status"])


# --- consent ------------------------------------------------------------------------------------------------


def notice_hash(campaign: Campaign) -> str:
    return hashlib.sha256(f"{campaign.notice_version}\n{campaign.notice_text}".encode()).hexdigest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_consent_request(
    *, campaign: Campaign, student: Student, guardian: Guardian, days: int = CONSENT_TOKEN_DAYS
) -> tuple[ConsentRequest, str]:
    """A one-time link for one guardian: the raw token goes into the link (or QR code), only its hash is kept."""
    if not GuardianLink.objects.filter(guardian=guardian, student=student).exists():
        raise ScreeningError(_("This guardian is not linked to the student."), 404)
    token = secrets.token_urlsafe(32)
    req = ConsentRequest.objects.create(
        campaign=campaign,
        student=student,
        guardian=guardian,
        token_hash=_token_hash(token),
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    return req, token


def issue_consent_requests(
    *, campaign: Campaign, school: Node | None = None, days: int = CONSENT_TOKEN_DAYS
) -> list[tuple[ConsentRequest, str]]:
    """One fresh one-time link per (guardian, student) whose consent is still needed and not yet given, for the
    whole campaign or one school. Returns (request, raw token) pairs: the raw tokens exist only in this answer."""
    assignments = Assignment.objects.filter(campaign=campaign, needs_consent=True)
    if school is not None:
        assignments = assignments.filter(school=school)
    decided = set(Consent.objects.filter(campaign=campaign).values_list("student_id", flat=True).distinct())
    links = GuardianLink.objects.filter(
        student_id__in=assignments.values("student_id"), guardian__isnull=False
    ).select_related("guardian", "student")
    out = []
    with transaction.atomic():
        for link in links:
            if link.student_id in decided:
                continue
            out.append(
                issue_consent_request(
                    campaign=campaign, student=link.student, guardian=link.guardian, days=days
                )
            )
    return out


def consent_request_for_token(token: str) -> ConsentRequest:
    """The live request for a token; a used, expired or unknown token is a clear 4xx."""
    req = (
        ConsentRequest.objects.select_related("campaign", "student", "guardian")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if req is None:
        raise ScreeningError(_("This consent link is not valid."), 404)
    if req.used_at is not None:
        raise ScreeningError(_("This consent link has already been used."), 410)
    if req.expires_at <= timezone.now():
        raise ScreeningError(_("This consent link has expired. Please ask the school for a new one."), 410)
    return req


def _record_consent(
    *, campaign: Campaign, student: Student, guardian: Guardian, decision: str, via: str
) -> Consent:
    if decision not in ConsentDecision.values:
        raise ScreeningError(_("Unknown decision."))
    if campaign.status == CampaignStatus.CLOSED:
        raise ScreeningError(_("The campaign is closed."), 409)
    with transaction.atomic():
        consent = Consent.objects.create(
            campaign=campaign,
            student=student,
            guardian=guardian,
            decision=decision,
            notice_version=campaign.notice_version,
            notice_hash=notice_hash(campaign),
            via=via,
        )
        if decision in {ConsentDecision.WITHDRAW, ConsentDecision.REFUSE}:
            drop_answers_after_withdrawal(campaign=campaign, student=student, consent=consent)
    return consent


def _needed_for_safety(response: Response) -> bool:
    """A submitted sheet stays when safety rests on it: a result at any level above none, a critical item, or a
    second-stage review of the assignment (the alert, case or review cites it)."""
    if response.status != ResponseStatus.SUBMITTED:
        return False
    flagged = any(r.level != Level.NONE or r.critical for r in response.results.all())
    return flagged or Review.objects.filter(assignment_id=response.assignment_id).exists()


def drop_answers_after_withdrawal(
    *, campaign: Campaign, student: Student, consent: Consent
) -> dict[str, int]:
    """撤回同意 (PIPL Art. 15/47; docs/privacy.md, "Consent withdrawal"): a withdrawal (or a refusal after a
    consent) stops the processing of this campaign's answers. Unsubmitted sheets and their answers are deleted
    at once; submitted sheets are deleted too unless safety rests on them (``_needed_for_safety``: a flagged
    result or a review — an alert or case already raised stays, with the answers behind it). The student can no
    longer start (``may_start``). Returns the counts, which are audited (without the answers)."""
    from access import audit

    kept = deleted_open = deleted_submitted = 0
    responses = Response.objects.filter(assignment__campaign=campaign, assignment__student=student)
    for response in responses.prefetch_related("results"):
        if _needed_for_safety(response):
            kept += 1
            continue
        if response.status == ResponseStatus.SUBMITTED:
            deleted_submitted += 1
        else:
            deleted_open += 1
        response.delete()  # answers and results cascade
    counts = {"open_deleted": deleted_open, "submitted_deleted": deleted_submitted, "kept_for_safety": kept}
    if consent.decision == ConsentDecision.REFUSE and not any(counts.values()):
        return counts  # a refusal before anything was answered: nothing to undo
    audit.record(
        actor=consent.guardian.user,
        action="screening.consent_withdrawn",
        obj=consent,
        student_id=student.pk,
        detail={"campaign": campaign.pk, **counts},
    )
    return counts


def consent_by_token(*, token: str, decision: str, via: str = ConsentVia.LINK) -> Consent:
    with transaction.atomic():
        req = consent_request_for_token(token)
        # The token dies on first use, even under a double click: the UPDATE matches only an unused row.
        if not ConsentRequest.objects.filter(pk=req.pk, used_at__isnull=True).update(used_at=timezone.now()):
            raise ScreeningError(_("This consent link has already been used."), 410)
        return _record_consent(
            campaign=req.campaign, student=req.student, guardian=req.guardian, decision=decision, via=via
        )


def consent_by_account(*, user: User, campaign: Campaign, student: Student, decision: str) -> Consent:
    guardian = Guardian.objects.filter(user=user, links__student=student).first()
    if guardian is None:
        raise ScreeningError(_("Not found."), 404)
    if not Assignment.objects.filter(campaign=campaign, student=student).exists():
        raise ScreeningError(_("Not found."), 404)
    return _record_consent(
        campaign=campaign, student=student, guardian=guardian, decision=decision, via=ConsentVia.ACCOUNT
    )


def consent_state(assignment: Assignment) -> str:
    """ "consented", "refused" or "pending" (active consent), or "notice" (opt-out rule, no refusal)."""
    last = (
        Consent.objects.filter(campaign_id=assignment.campaign_id, student_id=assignment.student_id)
        .order_by("-at", "-pk")
        .values_list("decision", flat=True)
        .first()
    )
    if last == ConsentDecision.CONSENT:
        return "consented"
    if last in {ConsentDecision.REFUSE, ConsentDecision.WITHDRAW}:
        return "refused"
    return "pending" if assignment.needs_consent else "notice"


def may_start(assignment: Assignment) -> bool:
    """No consent, no start: active consent given, or the notice rule without a refusal."""
    return consent_state(assignment) in {"consented", "notice"}


# --- answering ------------------------------------------------------------------------------------------------


def student_assignment(*, user: User, assignment_id: int) -> Assignment:
    """The signed-in student's own assignment with its assent (None before the question is answered), or 404
    (another student's is not found)."""
    a = (
        Assignment.objects.select_related("campaign", "school", "student", "assent")
        .filter(pk=assignment_id, student__user=user)
        .first()
    )
    if a is None:
        raise ScreeningError(_("Not found."), 404)
    return a


def _check_window(campaign: Campaign) -> None:
    now = timezone.now()
    if campaign.status != CampaignStatus.LAUNCHED or now < campaign.starts_at:
        raise ScreeningError(_("This screening has not started."), 409)
    if now >= campaign.ends_at:
        raise ScreeningError(_("This screening has closed."), 410)


# --- the answering window of critical questionnaires (issue 15 Build 2) ----------------------------------------


def has_critical_items(instrument_id: str, version: str | None = None) -> bool:
    """An instrument with critical-item rules (ASQ, PHQ-A, PHQ-9 …: the YAML ``critical`` section)."""
    return bool(_instrument(instrument_id, version).critical)


def _hours(pair) -> tuple[dt.time, dt.time]:
    return dt.time.fromisoformat(pair[0]), dt.time.fromisoformat(pair[1])


def _evening_hours() -> tuple[dt.time, dt.time]:
    from django.conf import settings

    return _hours(getattr(settings, "XINYU_SCREENING_EVENING_HOURS", ("07:00", "23:00")))


def critical_window_open(*, campaign: Campaign, school: Node, now: dt.datetime | None = None) -> bool:
    """May a questionnaire with critical items be opened now at ``school`` in ``campaign``? The default: only
    while a responder is at the school (``care.alerts.responders.responder_available``: school time on a school day and
    a psychological teacher on duty); a campaign opened to evenings also every day within
    ``XINYU_SCREENING_EVENING_HOURS``; one opened to always, any time of its window."""
    from care.alerts.responders import responder_available

    now = now or timezone.now()
    if campaign.answer_hours == AnswerHours.ALWAYS:
        return True
    if campaign.answer_hours == AnswerHours.EVENINGS:
        opens, closes = _evening_hours()
        if opens <= timezone.localtime(now).time() < closes:
            return True
    return responder_available(school, now)


def answer_hours_text(campaign: Campaign) -> str:
    """The campaign's rule in one sentence, for its page and the students' (issue 15: "the campaign page says
    so")."""
    from care.alerts import deadlines

    opens, closes = deadlines.school_day_hours()
    school = {"opens": opens.strftime("%H:%M"), "closes": closes.strftime("%H:%M")}
    if campaign.answer_hours == AnswerHours.ALWAYS:
        return _(
            "Questionnaires with suicide-risk questions can be answered at any time in the window. Outside school "
            "hours their alerts go at once to the district counseling centre's counselor on duty."
        )
    if campaign.answer_hours == AnswerHours.EVENINGS:
        e_opens, e_closes = _evening_hours()
        return _(
            "Questionnaires with suicide-risk questions can be answered on school days %(opens)s–%(closes)s while a "
            "psychological teacher is on duty, and every day %(e_opens)s–%(e_closes)s. Outside school hours their "
            "alerts go at once to the district counseling centre's counselor on duty."
        ) % {**school, "e_opens": e_opens.strftime("%H:%M"), "e_closes": e_closes.strftime("%H:%M")}
    return (
        _(
            "Questionnaires with suicide-risk questions can be answered only while someone can respond at the school: "
            "on school days %(opens)s–%(closes)s, with a psychological teacher on duty. The other questionnaires can "
            "be answered at any time in the window."
        )
        % school
    )


def _hours_words() -> dict[str, str]:
    """The school day and the evening hours as HH:MM, for the sentences that state a campaign's answering hours."""
    from care.alerts import deadlines

    opens, closes = deadlines.school_day_hours()
    e_opens, e_closes = _evening_hours()
    return {
        "opens": opens.strftime("%H:%M"),
        "closes": closes.strftime("%H:%M"),
        "e_opens": e_opens.strftime("%H:%M"),
        "e_closes": e_closes.strftime("%H:%M"),
    }


def _student_hours_text(campaign: Campaign) -> str:
    """The hours in words a student reads (no clinical word: the questionnaire is not named as a risk screen)."""
    if campaign.answer_hours == AnswerHours.EVENINGS:
        text = _(
            "It opens on school days %(opens)s–%(closes)s while a teacher is on duty at your school, and every day "
            "%(e_opens)s–%(e_closes)s."
        )
    else:
        text = _("It opens on school days %(opens)s–%(closes)s, while a teacher is on duty at your school.")
    return text % _hours_words()


def student_hours_note(campaign: Campaign) -> str:
    """What the student's list says of a campaign whose questionnaires do not all open at any time ("" when they
    do): the hours, in the same neutral words as the refusal, so nobody is surprised at 22:42 (issue 15)."""
    if campaign.answer_hours == AnswerHours.ALWAYS:
        return ""
    if campaign.answer_hours == AnswerHours.EVENINGS:
        text = _(
            "Some questionnaires open only on school days %(opens)s–%(closes)s while a teacher is on duty at your "
            "school, and every day %(e_opens)s–%(e_closes)s."
        )
    else:
        text = _(
            "Some questionnaires open only on school days %(opens)s–%(closes)s, while a teacher is on duty at your school."
        )
    return text % _hours_words()


def crisis_lines(school: Node | None) -> list[dict]:
    """12356, 12355 and the district's own line, for the student's school (``care.alerts.responders``)."""
    from care.alerts.responders import crisis_lines as lines

    return lines(school)


def lines_text(lines: list[dict]) -> str:
    return _(", ").join(f"{line['number']} {line['name']}".strip() for line in lines)


class WindowClosed(ScreeningError):
    """A questionnaire with critical items refused outside its answering hours: the message names the hours and
    the help lines (``lines``, for the page to link). Nothing is written."""

    def __init__(self, campaign: Campaign, school: Node | None):
        self.lines = crisis_lines(school)
        self.rule = _student_hours_text(campaign)
        super().__init__(
            _(
                "This questionnaire cannot be opened now. %(rule)s Please come back then; your answers so far are "
                "kept. If you want to talk to someone now, call %(lines)s."
            )
            % {"rule": self.rule, "lines": lines_text(self.lines)},
            409,
        )


def answerable_now(response: Response, *, school: Node, now: dt.datetime | None = None) -> bool:
    """May the student open this questionnaire now? Always within the campaign window for an instrument without
    critical items; for one with them, only in the campaign's answering hours (``critical_window_open``)."""
    if not has_critical_items(response.instrument_id, response.instrument_version):
        return True
    return critical_window_open(campaign=response.assignment.campaign, school=school, now=now)


def check_may_open(response: Response, *, now: dt.datetime | None = None) -> None:
    """Refuse (``WindowClosed``) to open a critical questionnaire outside its answering hours. Autosave and submit
    are never refused for it: a sheet opened in time and sent late is kept, and its alert goes by the route of
    the moment (care)."""
    school = response.assignment.school
    if not answerable_now(response, school=school, now=now):
        raise WindowClosed(response.assignment.campaign, school)


def record_assent(*, user: User, assignment: Assignment, agreed: bool) -> list[Response]:
    """The student's assent at the start; agreeing (with consent) opens the battery's responses."""
    if assignment.student.user_id != user.pk:
        raise ScreeningError(_("Not found."), 404)
    _check_window(assignment.campaign)
    if not may_start(assignment):
        raise ScreeningError(_("Guardian consent is needed before you can start."), 403)
    with transaction.atomic():
        Assent.objects.update_or_create(
            assignment=assignment, defaults={"agreed": agreed, "at": timezone.now()}
        )
        if not agreed:
            return []
        return open_responses(assignment=assignment)


def battery_for(assignment: Assignment) -> list[BatteryEntry]:
    return list(
        assignment.campaign.battery.filter(grade_from__lte=assignment.grade, grade_to__gte=assignment.grade)
    )


def open_responses(*, assignment: Assignment) -> list[Response]:
    for entry in battery_for(assignment):
        Response.objects.get_or_create(
            assignment=assignment,
            instrument_id=entry.instrument_id,
            defaults={
                "instrument_version": entry.instrument_version,
                "variant": entry.variant,
                "order": entry.order,
            },
        )
    return list(assignment.responses.all())


def open_responses_batch(assignments: list[Assignment]) -> dict[int, list[Response]]:
    """``open_responses`` for many assignments of one campaign (a keyed-in paper batch; the demo): the battery
    read once, the missing responses inserted together. Returns {assignment id: its responses}."""
    if not assignments:
        return {}
    battery = list(assignments[0].campaign.battery.all())
    have = set(
        Response.objects.filter(assignment__in=assignments).values_list("assignment_id", "instrument_id")
    )
    rows = [
        Response(
            assignment=a, instrument_id=e.instrument_id, instrument_version=e.instrument_version,
            variant=e.variant, order=e.order,
        )
        for a in assignments
        for e in battery
        if e.grade_from <= a.grade <= e.grade_to and (a.pk, e.instrument_id) not in have
    ]  # fmt: skip
    Response.objects.bulk_create(rows, batch_size=2000)
    out: dict[int, list[Response]] = {a.pk: [] for a in assignments}
    for r in Response.objects.filter(assignment__in=assignments).order_by("assignment_id", "order", "pk"):
        out[r.assignment_id].append(r)
    return out


def _own_response(user: User, response_id: int) -> Response:
    r = (
        Response.objects.select_related("assignment__campaign", "assignment__student")
        .filter(pk=response_id, assignment__student__user=user)
        .first()
    )
    if r is None:
        raise ScreeningError(_("Not found."), 404)
    return r


def _parse_value(raw) -> int | str | None:
    from screening.instruments.scoring import REFUSED

    if raw == "refused" or raw == REFUSED:
        return REFUSED
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ScreeningError(_("An answer must be one of the item's options."))
    return raw


# The columns an autosave or a submit reads with the locked response: its own, and its campaign's window. Fewer
# columns make the query cheaper to build and to read (issue 3, "Speed").
_SHEET_FIELDS = (
    "assignment_id", "instrument_id", "instrument_version", "variant", "status", "idempotency_key",
    "assignment__campaign_id", "assignment__student_id", "assignment__school_id",
    "assignment__campaign__status", "assignment__campaign__starts_at", "assignment__campaign__ends_at",
)  # fmt: skip


def save_answer(
    *,
    user: User,
    response_id: int,
    item_id: str,
    value,
    seconds: float | None = None,
    instrument_version: str | None = None,
) -> Answer:
    """Autosave one answer (idempotent per item: the last value given wins). Bad input stores nothing.

    Two queries (issue 3, "Speed"): the student's own response with its campaign, locked, and one upsert. The
    lock (``FOR NO KEY UPDATE``; submit takes ``FOR UPDATE``) orders an autosave and a concurrent submit of the
    same sheet: either the answer is committed before submit reads the answers, or the autosave sees the sheet
    submitted and answers 409 — an answer acknowledged with a 2xx is never left out of the scored sheet."""
    from screening.instruments.scoring import REFUSED, validate_answer

    with transaction.atomic():
        response = (
            Response.objects.select_related("assignment__campaign")
            .select_for_update(of=("self",), no_key=True)
            .only(*_SHEET_FIELDS)
            .filter(pk=response_id, assignment__student__user=user)
            .first()
        )
        if response is None:
            raise ScreeningError(_("Not found."), 404)
        _check_window(response.assignment.campaign)
        if response.status != ResponseStatus.OPEN:
            raise ScreeningError(_("This questionnaire has been submitted."), 409)
        if instrument_version is not None and instrument_version != response.instrument_version:
            raise ScreeningError(_("The questionnaire has changed; please reload the page."), 409)
        parsed = _parse_value(value)
        instrument = _instrument(response.instrument_id, response.instrument_version)
        try:
            problem = validate_answer(instrument, item_id, parsed)
        except (KeyError, ValueError) as exc:
            raise ScreeningError(_("Invalid answer: %(why)s") % {"why": exc}) from None
        if problem:
            raise ScreeningError(_("Invalid answer: %(why)s") % {"why": problem})
        if seconds is not None and (
            isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds <= 86400
        ):
            raise ScreeningError(_("Invalid time."))
        answer = Answer(
            response=response,
            item_id=item_id,
            value=None if parsed == REFUSED else parsed,
            refused=parsed == REFUSED,
            seconds=seconds,
            answered_at=timezone.now(),
        )
        # One INSERT … ON CONFLICT (response, item) DO UPDATE instead of update_or_create's savepoint, SELECT and
        # INSERT/UPDATE (R5.3: idempotent per item, the last value wins).
        Answer.objects.bulk_create(
            [answer],
            update_conflicts=True,
            unique_fields=["response", "item_id"],
            update_fields=["value", "refused", "seconds", "answered_at"],
        )
    return answer


def visible_item_ids(response: Response) -> list[str]:
    """The items the student is shown now (ASQ Q5 only after a positive Q1–Q4). Reads the answers only for an
    instrument with conditional items; for the others every item is shown, with no query."""
    from screening.instruments.scoring import visible_items

    instrument = _instrument(response.instrument_id, response.instrument_version)
    if all(item.show_if is None for item in instrument.items):
        return [item.id for item in instrument.items]
    return [item.id for item in visible_items(instrument, answers_of(response))]


def answers_of(response: Response) -> dict:
    from screening.instruments.scoring import REFUSED

    return {
        a.item_id: (REFUSED if a.refused else a.value)
        # response_id too: the related manager sets each answer's response, which would load a deferred
        # response_id with one query per answer (20 extra queries per autosave of a 20-item sheet)
        for a in response.answers.all().only("response_id", "item_id", "value", "refused")
    }


@dataclass
class SubmitOutcome:
    response: Response
    result: Result
    created: bool


def _level_value(level) -> str:
    return str(getattr(level, "value", level) or Level.NONE)


def _reasons(score_result) -> list[dict]:
    return [r.to_json() for r in score_result.level_reasons]


def result_flags(score_result) -> dict:
    """The encrypted ``Result.flags`` of a scored sheet: flags, critical items, why a sheet is invalid, whether
    it is positive, and the reasons of the suggested level (zh + en) — the same for a submit and a re-score."""
    payload = score_result.to_json()
    return {
        "flags": payload.get("flags", []),
        "critical": payload.get("critical", []),
        "invalid_reasons": payload.get("invalid_reasons", []),
        "positive": payload.get("positive", False),
        "reasons": _reasons(score_result),
    }


def _alert(assignment: Assignment, result: Result, reasons: list[dict]) -> None:
    """A red or orange result writes its alert in the submit's transaction (outbox: cannot be lost)."""
    if result.level not in {Level.RED, Level.ORANGE}:
        return
    from care.alerts.services import raise_alert

    raise_alert(
        student=assignment.student,
        level=result.level,
        reasons=reasons,
        source_type="screening.result",
        source_id=str(result.pk),
        school=assignment.school,
    )


_UNREAD = object()


def score_response(response: Response, instrument=None, *, rule_set_id=_UNREAD, rules_data=None) -> Result:
    """Score a response's stored answers and write its Result (and alert) — call inside a transaction.

    The level is suggested by the rules in force for the campaign's district when the sheet is scored (issue 15);
    the Result records the version (``rule_set``, NULL for the built-in defaults). The submit passes the version
    it read with the locked response (``rule_set_id``, ``rules_data``): no query of its own."""
    from screening.instruments.scoring import REFUSED, score
    from screening.rules.level_rules import rules_of

    instrument = instrument or _instrument(response.instrument_id, response.instrument_version)
    if rule_set_id is _UNREAD:
        district = Response.objects.filter(pk=response.pk).values(
            "assignment__campaign__organiser__district_id"
        )
        in_force = rule_sets_in_force(Subquery(district[:1])).values_list("pk", "rules").first()
        rule_set_id, rules_data = in_force or (None, None)
    rules = rules_of(rule_set_id, rules_data)
    answers: dict = {}
    per_item: dict = {}
    # One read of the answers with their times (was two).
    for item_id, value, refused, secs in response.answers.values_list(
        "item_id", "value", "refused", "seconds"
    ):
        answers[item_id] = REFUSED if refused else value
        if secs is not None:
            per_item[item_id] = secs
    all_answers = {item.id: answers.get(item.id) for item in instrument.items}
    sr = score(
        instrument,
        all_answers,
        variant=response.variant or None,
        seconds_per_item=per_item or None,
        rules=rules,
    )
    flags = result_flags(sr)
    reasons = flags["reasons"]
    result = Result.objects.create(
        response=response,
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        valid=bool(sr.valid),
        scores=dict(sr.scores or {}),
        bands=dict(sr.bands or {}),
        flags=flags,
        critical=bool(sr.critical),
        acute=bool(sr.acute),
        level=_level_value(sr.level),
        rule_set_id=rule_set_id,
    )
    _alert(response.assignment, result, reasons)
    return result


def score_batch(responses: list[Response], *, district_id: int | None) -> list[Result]:
    """Score many submitted responses of one district at once (a batch of keyed-in paper sheets; the demo):
    the same scoring and level rules as ``score_response``, with one read of the rules in force and of the
    answers and one insert of the results; red and orange results raise their alerts as a submit does. Call it
    inside a transaction."""
    from screening.instruments.scoring import REFUSED, score
    from screening.rules.level_rules import rules_of

    if not responses:
        return []
    in_force = rule_sets_in_force(district_id).values_list("pk", "rules").first()
    rule_set_id, rules_data = in_force or (None, None)
    rules = rules_of(rule_set_id, rules_data)
    answers: dict[int, dict] = {r.pk: {} for r in responses}
    seconds: dict[int, dict] = {r.pk: {} for r in responses}
    for response_id, item_id, value, refused, secs in Answer.objects.filter(
        response_id__in=list(answers)
    ).values_list("response_id", "item_id", "value", "refused", "seconds"):
        answers[response_id][item_id] = REFUSED if refused else value
        if secs is not None:
            seconds[response_id][item_id] = secs
    rows, reasons = [], []
    for response in responses:
        instrument = _instrument(response.instrument_id, response.instrument_version)
        given = answers[response.pk]
        sr = score(
            instrument,
            {item.id: given.get(item.id) for item in instrument.items},
            variant=response.variant or None,
            seconds_per_item=seconds[response.pk] or None,
            rules=rules,
        )
        flags = result_flags(sr)
        reasons.append(flags["reasons"])
        rows.append(
            Result(
                response=response, instrument_id=instrument.id, instrument_version=instrument.version,
                valid=bool(sr.valid), scores=dict(sr.scores or {}), bands=dict(sr.bands or {}), flags=flags,
                critical=bool(sr.critical), acute=bool(sr.acute), level=_level_value(sr.level),
                rule_set_id=rule_set_id,
            )
        )  # fmt: skip
    results = Result.objects.bulk_create(rows)
    for response, result, why in zip(responses, results, reasons, strict=True):
        _alert(response.assignment, result, why)
    return results


def key_in_sheets(
    sheets: list[tuple[Response, dict[str, int], dt.datetime]], *, district_id: int | None
) -> list[Result]:
    """Paper sheets keyed in as one batch (纸质问卷录入; the demo's campaign): each (open response, answers,
    when it was answered) is checked against its instrument — an unknown item or a value outside the item's
    options refuses the whole batch, nothing stored —, its answers written, the response marked submitted, and
    all of them scored together (``score_batch``: results and the red/orange alerts). Call inside a
    transaction."""
    from screening.instruments.scoring import validate_answer

    answers: list[Answer] = []
    for response, given, at in sheets:
        if response.status != ResponseStatus.OPEN:
            raise ScreeningError(_("This questionnaire has been submitted."), 409)
        instrument = _instrument(response.instrument_id, response.instrument_version)
        for item_id, value in given.items():
            try:
                problem = validate_answer(instrument, item_id, value)
            except (KeyError, ValueError) as exc:
                problem = str(exc)
            if problem:
                raise ScreeningError(_("Invalid answer: %(why)s") % {"why": problem})
            answers.append(Answer(response=response, item_id=item_id, value=value, answered_at=at))
        response.status, response.submitted_at = ResponseStatus.SUBMITTED, at
        response.idempotency_key = f"paper-{response.pk}"
    Answer.objects.bulk_create(answers, batch_size=2000)
    responses = [r for r, _given, _at in sheets]
    Response.objects.bulk_update(responses, ["status", "submitted_at", "idempotency_key"], batch_size=2000)
    return score_batch(responses, district_id=district_id)


def _key_used_elsewhere(idempotency_key: str, response_id: int) -> bool:
    return Response.objects.filter(idempotency_key=idempotency_key).exclude(pk=response_id).exists()


def _audit_submit(
    user: User, response: Response, created: bool, request: HttpRequest | None, via: str
) -> None:
    from access import audit

    detail = {"created": created} | ({"via": via} if via else {})
    audit.record(actor=user, action="screening.submit", obj=response, student_id=response.assignment.student_id,
                 request=request, detail=detail)  # fmt: skip


def submit_response(
    *, user: User, response_id: int, idempotency_key: str, request: HttpRequest | None = None, via: str = ""
) -> SubmitOutcome:
    """Submit exactly once. A repeat with the same key (or any submit of a submitted response) returns the
    stored result; answers, result, alert and the audit event are written together or not at all.

    The student's own response is read and locked in one query (``FOR UPDATE``: a concurrent submit or autosave
    of the same sheet waits); a key already used for another questionnaire is found by the unique constraint on
    the key, so the common path does not look it up. The audit event is the transaction's last write (it locks
    the chain's head until the commit) and shares its commit (issue 3, "Speed": one transaction, not two)."""
    if not idempotency_key or len(idempotency_key) > 64:
        raise ScreeningError(_("An idempotency key of 1–64 characters is required."))
    try:
        with transaction.atomic():
            in_force = rule_sets_in_force(OuterRef("assignment__campaign__organiser__district_id"))
            locked = (
                Response.objects.select_related("assignment__campaign")
                .select_for_update(of=("self",))
                .only(*_SHEET_FIELDS)
                # issue 15: the campaign district's rules in force, read in the same statement (no query more)
                .annotate(
                    level_rule_set_id=Subquery(in_force.values("pk")[:1]),
                    level_rules_data=Subquery(in_force.values("rules")[:1], output_field=JSONField()),
                )
                .filter(pk=response_id, assignment__student__user=user)
                .first()
            )
            if locked is None:
                raise ScreeningError(_("Not found."), 404)
            if locked.status == ResponseStatus.SUBMITTED:
                if locked.idempotency_key != idempotency_key and _key_used_elsewhere(
                    idempotency_key, locked.pk
                ):
                    raise ScreeningError(_("This key was used for another questionnaire."), 409)
                _audit_submit(user, locked, False, request, via)
                return SubmitOutcome(locked, _latest_result(locked), False)
            _check_window(locked.assignment.campaign)
            locked.status = ResponseStatus.SUBMITTED
            locked.submitted_at = timezone.now()
            locked.idempotency_key = idempotency_key
            locked.save(update_fields=["status", "submitted_at", "idempotency_key"])
            result = score_response(
                locked, rule_set_id=locked.level_rule_set_id, rules_data=locked.level_rules_data
            )
            _audit_submit(user, locked, True, request, via)
    except IntegrityError:
        if _key_used_elsewhere(idempotency_key, response_id):
            raise ScreeningError(_("This key was used for another questionnaire."), 409) from None
        # A concurrent submit won the race (SQLite has no row lock): return what it stored.
        response = _own_response(user, response_id)
        if response.status != ResponseStatus.SUBMITTED:
            raise
        _audit_submit(user, response, False, request, via)
        return SubmitOutcome(response, _latest_result(response), False)
    return SubmitOutcome(locked, result, True)


def _latest_result(response: Response) -> Result:
    return response.results.order_by("-computed_at", "-pk").first()


# --- second stage ---------------------------------------------------------------------------------------------


@dataclass
class ReviewOutcome:
    """What a recorded review did: the review, and the case it opened or joined (``None`` for close/monitor)."""

    review: Review
    case: object | None = None  # care.models.Case
    case_created: bool = False
    crisis_checklist: bool = False


# Next steps that need a case: a referral is made from a case (care/plans), so "refer" opens one too.
CASE_STEPS = frozenset({NextStep.OPEN_CASE, NextStep.REFER})


def record_review(
    *,
    by: User,
    assignment: Assignment,
    talked_at: dt.datetime,
    outcome: str,
    confirmed_level: str,
    next_step: str,
) -> ReviewOutcome:
    """第二阶段 — record the follow-up talk; the confirmed level becomes the student's current level (care), and
    "open a case" (or "refer") opens the case — or adds this concern to the student's open one — with its crisis
    checklist when red. Review, level and case are written in one transaction: all of them or none (issue 15,
    build 3: the path never breaks silently). A case step at level "none" is refused, nothing changed."""
    from access.policy import visible_students
    from access.tiers import Tier
    from care.alerts.services import confirm_level
    from care.cases.services import CASE_LEVELS, CaseError, open_case
    from care.models import CaseSource, CrisisStep

    if not visible_students(by, Tier.T3).filter(pk=assignment.student_id).exists():
        raise ScreeningError(_("Not found."), 404)
    if confirmed_level not in Level.values:
        raise ScreeningError(_("Unknown level."))
    if next_step not in NextStep.values:
        raise ScreeningError(_("Choose the next step."))
    if next_step in CASE_STEPS and confirmed_level not in CASE_LEVELS:
        raise ScreeningError(
            _(
                "A case needs a level of red, orange or yellow. With the level confirmed as none, choose "
                "to close or to monitor instead; nothing was saved."
            )
        )
    with transaction.atomic():
        review = Review.objects.create(
            assignment=assignment,
            reviewer=by,
            talked_at=talked_at,
            outcome=outcome,
            confirmed_level=confirmed_level,
            next_step=next_step,
        )
        confirm_level(
            student=assignment.student,
            level=confirmed_level,
            by=by,
            reason=outcome[:500],
            source_type="screening.review",
            source_id=str(review.pk),
        )
        done = ReviewOutcome(review)
        if next_step in CASE_STEPS:
            try:
                done.case, done.case_created = open_case(
                    student=assignment.student,
                    level=confirmed_level,
                    by=by,
                    reason=outcome.strip() or _("Second-stage review"),
                    source_type=CaseSource.SCREENING,
                    source_id=str(review.pk),
                )
            except CaseError as exc:
                raise ScreeningError(str(exc)) from None
            done.crisis_checklist = CrisisStep.objects.filter(case=done.case).exists()
        else:  # the talk took the student's alerts on, as opening a case does: their escalation stops
            from care.alerts.services import acknowledge_alert, may_handle_alert
            from care.models import Alert

            waiting = Alert.objects.filter(
                student=assignment.student_id, closed_at__isnull=True, acknowledged_at__isnull=True
            )
            for alert in waiting:
                if may_handle_alert(by, alert):
                    acknowledge_alert(alert=alert, user=by)
    return done


# --- absence --------------------------------------------------------------------------------------------------


def mark_absent(*, assignment: Assignment, absent: bool) -> Assignment:
    """缺席 — an assigned student was not at school for the screening (coverage's "absent" column, R5.1).

    Only while the campaign is launched; the caller has checked the user may act on the student."""
    if assignment.campaign.status != CampaignStatus.LAUNCHED:
        raise ScreeningError(_("Absence can only be recorded while the campaign is running."), 409)
    if assignment.absent != absent:
        assignment.absent = absent
        assignment.save(update_fields=["absent"])
    return assignment
