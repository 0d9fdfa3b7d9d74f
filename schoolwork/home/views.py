"""Pages of home–school work and governance: home visits (R10), parent sessions (R11), guardians' pages,
governance records (R14, R17, R9) and attachments. Thin: reads through ``schoolwork.home.selectors``, writes
through ``schoolwork.home.services``; outside one's scope is 404, a page the role never has is 403."""

from __future__ import annotations

import datetime as dt
import secrets

import segno
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from access import audit
from access.policy import roles_of
from access.routes import held_by, policy
from access.tiers import Tier
from org.models import Role, SchoolClass
from schoolwork.home import attachments, selectors, services
from schoolwork.home.models import (
    Audience,
    CaseStage,
    GuardianInvitation,
    ParentAttendance,
    PlanStatus,
    VisitMode,
)
from schoolwork.home.services import HomeSchoolError
from schoolwork.programs.semesters import home_node
from xinyu.converters import id_or_zero
from xinyu.lists import first_rows
from xinyu.web.home import cards_for
from xinyu.web.slips.selectors import get_printable_class_or_404

SESSION_ROLES = selectors.VISIT_ROLES | selectors.DISTRICT_ROLES | selectors.CITY_ROLES


def _fail(request: HttpRequest, exc: HomeSchoolError) -> HttpResponse:
    return render(request, "schoolwork/home_error.html", {"message": exc.message}, status=exc.status)


def _require(request: HttpRequest, roles: frozenset[str] | set[str]) -> None:
    if not roles_of(request.user) & roles:
        raise PermissionDenied


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _key() -> str:
    return secrets.token_urlsafe(16)


# --- home visits (家访, R10) ---------------------------------------------------------------------------------------


@policy(
    Tier.T2,
    "class",
    "home-visit coverage per class; open cases missing a visit only to who may know them",
    opens=held_by(selectors.VISIT_ROLES),
)
@login_required
def home_visits(request: HttpRequest) -> HttpResponse:
    semester = selectors.current_semester(node=home_node(request.user))
    year = semester.school_year if semester else None
    rows = selectors.visit_coverage_by_class(selectors.visit_classes(request.user), year) if year else []
    missing = selectors.cases_missing_visit(request.user, semester) if semester else []
    for c in missing:
        audit.record(
            actor=request.user, action="schoolwork.case_visit.view", obj=c, student_id=c.student_id,
            request=request, detail={"missing_visit": True},
        )  # fmt: skip
    context = {"rows": rows, "missing": missing, "semester": semester, "year": year}
    return render(request, "schoolwork/home_visits.html", context)


@policy(
    Tier.T2, "class", "a class's students with their home visits this year (the class teacher's own class)"
)
@login_required
def home_visit_class(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, selectors.VISIT_ROLES)
    cls = selectors.get_visit_class_or_404(request.user, pk)
    rows = selectors.class_visit_coverage(
        request.user, cls, semester=selectors.current_semester(node=home_node(request.user))
    )
    audit.record(
        actor=request.user, action="schoolwork.home_visit.list", obj=cls, request=request,
        detail={"ids": [r.student.pk for r in rows]},
    )  # fmt: skip
    visited = sum(1 for r in rows if r.visits)
    return render(
        request,
        "schoolwork/home_visit_class.html",
        {"school_class": cls, "rows": rows, "visited": visited, "total": len(rows)},
    )


@policy(Tier.T3, "student", "record a home visit; the sensitive note is T3 and encrypted")
@login_required
@require_http_methods(["GET", "POST"])
def home_visit_new(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, selectors.VISIT_ROLES)
    student = selectors.get_visit_student_or_404(request.user, pk)
    cases = list(selectors.open_cases(request.user).filter(student=student))
    form = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        try:
            services.record_home_visit(
                user=request.user,
                student=student,
                visited_on=_date(form.get("visited_on")),
                visitors=form.get("visitors", ""),
                mode=form.get("mode", ""),
                summary=form.get("summary", ""),
                sensitive_note=form.get("sensitive_note", ""),
                case_id=id_or_zero(form.get("case")) or None,
                key=form.get("key", ""),
                request=request,
            )
        except HomeSchoolError as exc:
            if exc.status == 404:
                return _fail(request, exc)
            messages.error(request, exc.message)
            return render(
                request,
                "schoolwork/home_visit_new.html",
                {"student": student, "cases": cases, "modes": VisitMode.choices, "form": form, "key": _key()},
                status=exc.status,
            )
        messages.success(request, _("The home visit is recorded."))
        enrollment = student.current_enrollment()
        if enrollment and enrollment.school_class_id:
            return redirect("schoolwork:home_visit_class", pk=enrollment.school_class_id)
        return redirect("schoolwork:home_visits")
    context = {
        "student": student,
        "cases": cases,
        "modes": VisitMode.choices,
        "form": {"visited_on": timezone.localdate().isoformat(), "visitors": str(request.user)},
        "key": _key(),
    }
    return render(request, "schoolwork/home_visit_new.html", context)


# --- parent sessions (家长课, R11) ---------------------------------------------------------------------------------


@policy(
    Tier.T0, "school", "parent sessions and counts per school; no one's personal data", held_by(SESSION_ROLES)
)
@login_required
@require_http_methods(["GET", "POST"])
def parent_sessions(request: HttpRequest) -> HttpResponse:
    schools = selectors.session_schools(request.user)
    if request.method == "POST":
        try:
            s = services.create_parent_session(
                user=request.user,
                school_id=request.POST.get("school", ""),
                held_on=_date(request.POST.get("held_on")),
                title=request.POST.get("title", ""),
                speaker=request.POST.get("speaker", ""),
                grades=request.POST.get("grades", ""),
                key=request.POST.get("key", ""),
            )
        except HomeSchoolError as exc:
            return _fail(request, exc)
        return redirect("schoolwork:parent_session", pk=s.pk)
    semester = selectors.current_semester(node=home_node(request.user))
    sessions_part = first_rows(selectors.sessions_for(request.user).order_by("-held_on", "-pk"), request, 100)
    sessions = sessions_part.rows
    coverage = selectors.session_coverage(request.user, semester) if semester else []
    context = {
        "sessions": sessions,
        "sessions_part": sessions_part,
        "schools": schools,
        "coverage": coverage,
        "semester": semester,
        "key": _key(),
        "today": timezone.localdate(),
    }
    return render(request, "schoolwork/parent_sessions.html", context)


@policy(Tier.T0, "school", "one parent session: attendance counts per class, materials")
@login_required
def parent_session(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, SESSION_ROLES)
    session = selectors.get_session_or_404(request.user, pk)
    classes = selectors.attendance_classes(request.user, session)
    rows = selectors.session_attendance_by_class(session, classes)
    context = {
        "session": session,
        "rows": rows,
        "total": ParentAttendance.objects.filter(session=session).count(),
        "files": attachments.attachments_of(session),
        "may_add": attachments.OWNERS["parent_session"].may_add(request.user, session),
        "kind": "parent_session",
    }
    return render(request, "schoolwork/parent_session.html", context)


@policy(Tier.T1, "class", "tick a class's households at a parent session (names of the class)")
@login_required
@require_http_methods(["GET", "POST"])
def parent_attendance(request: HttpRequest, pk: int, class_pk: int) -> HttpResponse:
    _require(request, selectors.VISIT_ROLES)
    session = selectors.get_session_or_404(request.user, pk)
    cls = selectors.attendance_classes(request.user, session).filter(pk=class_pk).first()
    if cls is None:
        return _fail(request, HomeSchoolError(_("Not found."), 404))
    if request.method == "POST":
        try:
            n = services.set_class_attendance(
                user=request.user,
                session=session,
                school_class=cls,
                student_ids=request.POST.getlist("student"),
            )
        except HomeSchoolError as exc:
            return _fail(request, exc)
        messages.success(request, _("Attendance saved: %(n)s households.") % {"n": n})
        return redirect("schoolwork:parent_session", pk=session.pk)
    from org.models import Student

    students = Student.objects.filter(enrollments__school_class=cls, enrollments__status="active").order_by(
        "student_no"
    )
    came = set(
        ParentAttendance.objects.filter(session=session, school_class=cls).values_list(
            "student_id", flat=True
        )
    )
    audit.record(
        actor=request.user, action="schoolwork.parent_attendance.list", obj=cls, request=request,
        detail={"session": session.pk},
    )  # fmt: skip
    context = {"session": session, "school_class": cls, "students": students, "came": came}
    return render(request, "schoolwork/parent_attendance.html", context)


# --- attachments (附件) ----------------------------------------------------------------------------------------------


@policy(None, "record", "attach a file to a record the user may add to; checked by content and size")
@login_required
@require_POST
def attachment_add(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    owner_rule = attachments.OWNERS.get(kind)
    if owner_rule is None:
        return _fail(request, HomeSchoolError(_("Not found."), 404))
    owner = owner_rule.get_for_read(request.user, pk)
    if not owner_rule.may_add(request.user, owner):
        raise PermissionDenied
    upload = request.FILES.get("file")
    if upload is None:
        return _fail(request, HomeSchoolError(_("Please choose a file.")))
    try:
        attachments.add_attachment(user=request.user, owner=owner, upload=upload)
    except HomeSchoolError as exc:
        return _fail(request, exc)
    messages.success(request, _("The file is attached."))
    return redirect(request.POST["next"] if _safe_next(request) else "web:home")


def _safe_next(request: HttpRequest) -> bool:
    nxt = request.POST.get("next", "")
    return nxt.startswith("/") and not nxt.startswith("//")


@policy(None, "record", "download an attachment: only who may read its owning record")
@login_required
def attachment(request: HttpRequest, pk: int) -> HttpResponse:
    a = attachments.get_attachment_or_404(request.user, pk)
    response = FileResponse(a.file.open("rb"), content_type=a.content_type, as_attachment=True,
                            filename=a.original_name)  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- guardians (监护人) ----------------------------------------------------------------------------------------------


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=3, omitsize=True)


@policy(
    Tier.T1, "class", "print one-time guardian invitations (QR slips) for a class (roster.print_passwords)"
)
@login_required
@require_http_methods(["GET", "POST"])
def guardian_invitations(request: HttpRequest, pk: int) -> HttpResponse:
    cls: SchoolClass = get_printable_class_or_404(request.user, pk)
    if request.method == "POST":
        issued = services.issue_guardian_invitations(user=request.user, school_class=cls)
        slips = []
        for link, token in issued:
            url = request.build_absolute_uri(reverse("schoolwork:guardian_join", kwargs={"token": token}))
            slips.append({"link": link, "url": url, "qr": mark_safe(_qr_svg(url))})  # noqa: S308 (segno's SVG)
        return render(request, "schoolwork/guardian_slips.html", {"school_class": cls, "slips": slips})
    waiting = GuardianInvitation.objects.filter(school=cls.school, used_at__isnull=True).count()
    return render(request, "schoolwork/guardian_invitations.html", {"school_class": cls, "waiting": waiting})


@policy(
    None, "public", "a guardian sets a password from a one-time invitation (anonymous; the token is the key)"
)
@require_http_methods(["GET", "POST"])
def guardian_join(request: HttpRequest, token: str) -> HttpResponse:
    try:
        inv = services.invitation_for_token(token)
    except HomeSchoolError as exc:
        return _fail(request, exc)
    if request.method == "POST":
        try:
            user = services.accept_invitation(
                token=token,
                password=request.POST.get("password", ""),
                password2=request.POST.get("password2", ""),
            )
        except HomeSchoolError as exc:
            if exc.status != 400:
                return _fail(request, exc)
            messages.error(request, exc.message)
            return render(request, "schoolwork/guardian_join.html", {"inv": inv}, status=400)
        auth_login(request, user, backend="access.auth.ThrottledModelBackend")
        messages.success(request, _("Welcome. Your user name is %(u)s.") % {"u": user.username})
        return redirect("schoolwork:guardian_home")
    return render(request, "schoolwork/guardian_join.html", {"inv": inv})


GUARDIAN = frozenset({Role.GUARDIAN})


@policy(
    Tier.T1,
    "children",
    "a guardian's page: their children, parent sessions, resources, a talk request",
    opens=held_by(GUARDIAN),
)
@login_required
def guardian_home(request: HttpRequest) -> HttpResponse:
    _require(request, GUARDIAN)
    children = list(selectors.children_of(request.user))
    sessions_part = first_rows(
        selectors.sessions_for(request.user)
        .filter(school__in=selectors.guardian_schools(request.user))
        .order_by("-held_on"),
        request,
        20,
    )
    sessions = sessions_part.rows
    files = attachments.attachments_by_owner("parent_session", [s.pk for s in sessions])
    for s in sessions:
        s.files = files.get(s.pk, [])
    # Other apps' cards for this guardian (screening's consent requests; counseling registers its appointments
    # card with xinyu.web.home.register_card) appear here too, so the family page is the guardian's one page.
    cards = [c for c in cards_for(request) if c.key != "schoolwork-family"]
    context = {
        "cards": cards,
        "children": children,
        "sessions": sessions,
        "sessions_part": sessions_part,
        "resources_part": (
            resources := first_rows(selectors.resources_for(request.user, Audience.PARENTS), request, 20)
        ),
        "resources": resources.rows,
        "key": _key(),
    }
    return render(request, "schoolwork/guardian_home.html", context)


@policy(Tier.T1, "children", "a guardian asks the school's psychological teachers for a talk")
@login_required
@require_POST
def guardian_talk(request: HttpRequest) -> HttpResponse:
    _require(request, GUARDIAN)
    raw = request.POST.get("student", "")
    if raw:
        link = selectors.guardian_link(request.user, id_or_zero(raw))
    else:  # a one-child family's form need not name the child
        children = list(selectors.children_of(request.user)[:2])
        if len(children) != 1:
            return _fail(request, HomeSchoolError(_("Please choose the child.")))
        link = selectors.guardian_link(request.user, children[0].pk)
    try:
        services.request_talk(
            user=request.user, student=link.student, message=request.POST.get("message", ""),
            key=request.POST.get("key", ""),
        )  # fmt: skip
    except HomeSchoolError as exc:
        return _fail(request, exc)
    messages.success(request, _("Your request is sent. The psychological teacher will contact you."))
    return redirect("schoolwork:guardian_home")


ACTION_LABELS = {
    "care.level.view": gettext_lazy("Risk level"),
    "care.file.view": gettext_lazy("Student file"),
    "care.alert.view": gettext_lazy("Alert"),
    "care.case.view": gettext_lazy("Case"),
    "screening.answer.view": gettext_lazy("Screening answers"),
    "screening.review.view": gettext_lazy("Second-stage talk"),
    "schoolwork.home_visit.view": gettext_lazy("Home visits"),
    "schoolwork.case_visit.view": gettext_lazy("Case follow-up"),
}


@policy(
    Tier.T1,
    "children",
    "who (role and school) opened the guardian's own children's file, from the audit trail",
)
@login_required
def guardian_openings(request: HttpRequest) -> HttpResponse:
    _require(request, GUARDIAN)
    part = first_rows(selectors.opening_events(request.user), request, 200)
    openings = selectors.file_openings(request.user, part.rows)
    for o in openings:
        o.label = ACTION_LABELS.get(o.action) or _("Record of the student")
    return render(request, "schoolwork/guardian_openings.html", {"openings": openings, "openings_part": part})


# --- governance (R14, R17, R9) -------------------------------------------------------------------------------------


@policy(
    Tier.T0,
    "school",
    "leadership-group meetings and quarterly coverage; no one's personal data",
    opens=held_by(selectors.GOVERNANCE_ROLES),
)
@login_required
@require_http_methods(["GET", "POST"])
def meetings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            m = services.record_meeting(
                user=request.user,
                school_id=request.POST.get("school", ""),
                held_on=_date(request.POST.get("held_on")),
                title=request.POST.get("title", ""),
                attendees=request.POST.get("attendees", ""),
                minutes=request.POST.get("minutes", ""),
                key=request.POST.get("key", ""),
            )
        except HomeSchoolError as exc:
            return _fail(request, exc)
        return redirect("schoolwork:meeting", pk=m.pk)
    year = selectors.current_year()
    context = {
        "meetings_part": (
            meetings := first_rows(selectors.meetings_for(request.user).order_by("-held_on"), request, 100)
        ),
        "meetings": meetings.rows,
        "coverage": selectors.meeting_coverage(request.user, year) if year else [],
        "schools": selectors.staff_schools(request.user),
        "key": _key(),
    }
    return render(request, "schoolwork/governance_meetings.html", context)


@policy(Tier.T0, "school", "one leadership-group meeting: minutes and attachments")
@login_required
def meeting(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, selectors.GOVERNANCE_ROLES)
    m = selectors.get_meeting_or_404(request.user, pk)
    context = {
        "meeting": m,
        "files": attachments.attachments_of(m),
        "may_add": attachments.OWNERS["meeting"].may_add(request.user, m),
        "kind": "meeting",
    }
    return render(request, "schoolwork/governance_meeting.html", context)


PLAN_ROLES = selectors.DISTRICT_ROLES | {Role.CITY_ADMIN, Role.CITY_OFFICER}


@policy(
    None,
    "district",
    "district implementation plans and their status; no one's personal data",
    held_by(PLAN_ROLES),
)
@login_required
@require_http_methods(["GET", "POST"])
def plans(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            if request.POST.get("plan"):
                plan = selectors.get_plan_or_404(request.user, int(request.POST["plan"]))
                services.move_plan(
                    user=request.user,
                    plan=plan,
                    to=request.POST.get("to", ""),
                    note=request.POST.get("note", ""),
                )
            else:
                services.create_plan(
                    user=request.user,
                    district_id=request.POST.get("district", ""),
                    title=request.POST.get("title", ""),
                )
        except (HomeSchoolError, ValueError) as exc:
            return _fail(
                request, exc if isinstance(exc, HomeSchoolError) else HomeSchoolError(_("Not found."), 404)
            )
        return redirect("schoolwork:plans")
    items = list(selectors.plans_for(request.user))
    files = attachments.attachments_by_owner("plan", [p.pk for p in items])
    for p in items:
        p.files = files.get(p.pk, [])
        p.may_add = attachments.OWNERS["plan"].may_add(request.user, p)
    context = {
        "plans": items,
        "districts": selectors.plan_districts(request.user),
        "is_city": bool(roles_of(request.user) & selectors.CITY_ROLES),
        "S": PlanStatus,
    }
    return render(request, "schoolwork/governance_plans.html", context)


@policy(None, "node", "pilot districts and schools; no one's personal data")
@login_required
@require_http_methods(["GET", "POST"])
def pilots(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            services.designate_pilot(
                user=request.user, node_id=request.POST.get("node", ""), theme=request.POST.get("theme", "")
            )
        except HomeSchoolError as exc:
            return _fail(request, exc)
        return redirect("schoolwork:pilots")
    from org.models import Node

    may_designate = bool(roles_of(request.user) & {Role.CITY_ADMIN, Role.CITY_OFFICER})
    nodes = (
        Node.objects.filter(kind__in=["district", "school"]).order_by("path")[:500] if may_designate else []
    )
    context = {
        "pilots": list(selectors.pilots_for(request.user)),
        "nodes": nodes,
        "may_designate": may_designate,
    }
    return render(request, "schoolwork/governance_pilots.html", context)


CASE_ROLES = selectors.GOVERNANCE_ROLES | {Role.CLASS_TEACHER, Role.TEACHER}


@policy(None, "school", "the excellent-case library (de-identified write-ups)")
@login_required
@require_http_methods(["GET", "POST"])
def cases(request: HttpRequest) -> HttpResponse:
    _require(request, CASE_ROLES)
    if request.method == "POST":
        try:
            if request.POST.get("case"):
                case = selectors.get_case_or_404(request.user, int(request.POST["case"]))
                services.review_case(user=request.user, case=case, to=request.POST.get("to", ""))
            else:
                c = services.submit_case(
                    user=request.user, school_id=request.POST.get("school", ""), title=request.POST.get("title", ""),
                    body=request.POST.get("body", ""),
                )  # fmt: skip
                return redirect("schoolwork:case", pk=c.pk)
        except HomeSchoolError as exc:
            return _fail(request, exc)
        return redirect("schoolwork:cases")
    context = {
        "cases_part": (cases := first_rows(selectors.cases_for(request.user), request, 200)),
        "cases": cases.rows,
        "schools": selectors.staff_schools(request.user),
        "is_district": bool(roles_of(request.user) & selectors.DISTRICT_ROLES),
        "is_city": bool(roles_of(request.user) & {Role.CITY_ADMIN, Role.CITY_OFFICER}),
        "S": CaseStage,
    }
    return render(request, "schoolwork/governance_cases.html", context)


@policy(None, "school", "one excellent case (de-identified) with its attachments")
@login_required
def case(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, CASE_ROLES)
    c = selectors.get_case_or_404(request.user, pk)
    context = {
        "case": c,
        "files": attachments.attachments_of(c),
        "may_add": attachments.OWNERS["case"].may_add(request.user, c),
        "kind": "case",
    }
    return render(request, "schoolwork/governance_case.html", context)


@policy(None, "public", "articles and resources for students and parents, published for the user's nodes")
@login_required
@require_http_methods(["GET", "POST"])
def resources(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            services.publish_resource(
                user=request.user, node_id=request.POST.get("node", ""), audience=request.POST.get("audience", ""),
                title=request.POST.get("title", ""), body=request.POST.get("body", ""),
                link=request.POST.get("link", ""),
            )  # fmt: skip
        except HomeSchoolError as exc:
            return _fail(request, exc)
        return redirect("schoolwork:resources")
    context = {
        "resources_part": (resources := first_rows(selectors.resources_for(request.user), request, 200)),
        "resources": resources.rows,
        "nodes": services.publisher_nodes(request.user),
        "audiences": Audience.choices,
    }
    return render(request, "schoolwork/governance_resources.html", context)


@policy(None, "public", "one resource with its attachments")
@login_required
def resource(request: HttpRequest, pk: int) -> HttpResponse:
    r = selectors.get_resource_or_404(request.user, pk)
    context = {
        "resource": r,
        "files": attachments.attachments_of(r),
        "may_add": attachments.OWNERS["resource"].may_add(request.user, r),
        "kind": "resource",
    }
    return render(request, "schoolwork/governance_resource.html", context)
