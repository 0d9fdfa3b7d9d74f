"""Pages of the school programs: lesson log and plans, lesson compliance, key times, staff training, five
educations. Thin: reads through ``selectors``, writes through ``services``; a role that never
has a page gets 403, an object outside one's scope 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import audit
from access.policy import roles_of
from access.routes import held_by, policy
from access.tiers import Tier
from org.calendar import selectors as calendar_selectors
from org.models import Node, NodeKind, Semester, User
from schoolwork.programs import selectors, services
from schoolwork.programs.models import (
    ActivityKind,
    ActivityLevel,
    Audience,
    CombinedWith,
    LessonFocus,
    TrainingCycle,
    TrainingKind,
)
from schoolwork.programs.semesters import current_semester, home_node
from schoolwork.programs.services import ProgramError
from xinyu.converters import id_or_zero
from xinyu.lists import first_rows
from xinyu.web.spreadsheets import safe_cell, uploaded_sheet, xlsx_response


def _error(request: HttpRequest, exc: ProgramError) -> HttpResponse:
    return render(request, "schoolwork/program_error.html", {"message": exc.message}, status=exc.status)


def _bad_form(request: HttpRequest) -> HttpResponse:
    return _error(request, ProgramError(_("Please check the form.")))


def _semester(request: HttpRequest) -> Semester:
    """The semester asked for (``?semester=``), else the current one; 404 if there is none."""
    raw = request.GET.get("semester") or request.POST.get("semester")
    if raw:
        found = calendar_selectors.semester_by_pk(id_or_zero(raw))
    else:
        found = current_semester(node=home_node(request.user))
    if found is None:
        raise Http404
    return found


def _date(raw: str | None) -> dt.date:
    return dt.date.fromisoformat((raw or "").strip())


# --- lessons (R3.1, R3.2, R3.4) ---------------------------------------------------------------------------------


@login_required
@policy(
    None, "class", "lesson log of the user's classes; no one's personal data", held_by(selectors.LESSON_ROLES)
)
def lessons(request: HttpRequest) -> HttpResponse:
    if not roles_of(request.user) & selectors.LESSON_ROLES:
        raise PermissionDenied
    classes = selectors.lesson_classes(request.user)
    semester = _semester(request)
    if request.method == "POST":
        wanted = {id_or_zero(v) for v in request.POST.getlist("classes")} - {0}
        chosen = [c for c in classes if c.pk in wanted]
        if len(chosen) != len(wanted):
            return _error(
                request, ProgramError(_("You do not keep the lesson log of one of these classes."), 404)
            )
        raw_teacher = request.POST.get("teacher") or ""
        teacher = User.objects.filter(pk=id_or_zero(raw_teacher)).first()
        try:
            services.record_lessons(
                by=request.user,
                classes=chosen,
                semester=semester,
                given_on=_date(request.POST.get("given_on")),
                topic=request.POST.get("topic", ""),
                class_hours=int(request.POST.get("class_hours") or 1),
                teacher=teacher,
                combined_with=request.POST.get("combined_with", ""),
                focus=request.POST.get("focus", ""),
                life_education=bool(request.POST.get("life_education")),
                adolescence_education=bool(request.POST.get("adolescence_education")),
                request=request,
            )
        except ValueError:
            return _bad_form(request)
        except ProgramError as exc:
            return _error(request, exc)
        messages.success(request, _("The lesson is recorded."))
        return redirect(f"{request.path}?semester={semester.pk}")
    classes = [c for c in classes if c.school_year_id == semester.school_year_id]
    return render(
        request,
        "schoolwork/lessons.html",
        {
            "semester": semester,
            "semesters": selectors.semester_choices(),
            "classes": classes,
            "teachers": selectors.lesson_teachers(request.user, classes),
            "log_part": (log := first_rows(selectors.lesson_log(classes, semester), request, 200)),
            "log": log.rows,
            "combined_choices": CombinedWith.choices,
            "focus_choices": LessonFocus.choices,
            "today": timezone.localdate(),
        },
    )


@login_required
@policy(None, "school", "semester lesson plans per grade; no one's personal data")
def lesson_plans(request: HttpRequest) -> HttpResponse:
    schools = selectors.plan_schools(request.user)
    if not schools:
        raise PermissionDenied
    semester = _semester(request)
    if request.method == "POST":
        try:
            services.save_lesson_plan(
                by=request.user,
                school_id=int(request.POST["school"]),
                semester=semester,
                grade=int(request.POST["grade"]),
                planned_hours=int(request.POST["planned_hours"]),
                topics=request.POST.get("topics", ""),
                request=request,
            )
        except (KeyError, ValueError):
            return _bad_form(request)
        except ProgramError as exc:
            return _error(request, exc)
        messages.success(request, _("The plan is saved."))
        return redirect(f"{request.path}?semester={semester.pk}")
    plans = {(p.school_id, p.grade): p for p in selectors.lesson_plans(schools, semester)}
    rows = [(s, g, plans.get((s.pk, g))) for s in schools for g in s.grades]
    return render(
        request,
        "schoolwork/lesson_plans.html",
        {"semester": semester, "semesters": selectors.semester_choices(), "rows": rows},
    )


def _compliance_context(request: HttpRequest) -> dict:
    if not selectors.may_see_compliance(request.user):
        raise PermissionDenied
    semester = _semester(request)
    schools = selectors.compliance_schools(request.user)
    raw = request.GET.get("school")
    if raw:
        schools = schools.filter(pk=id_or_zero(raw))
        if not schools:
            raise Http404
    on = min(timezone.localdate(), semester.ends_on + dt.timedelta(days=1))
    return {
        "semester": semester,
        "schools": selectors.school_lesson_compliance(schools, semester, on=on),
        "on": on,
        "school_param": raw if id_or_zero(raw) else "",
    }


@login_required
@policy(
    None,
    "school",
    "lesson compliance per class and school: counts of lessons, no one's personal data",
    opens=selectors.may_see_compliance,
)
def lesson_compliance(request: HttpRequest) -> HttpResponse:
    ctx = _compliance_context(request)
    rows = ctx["schools"]
    ctx["semesters"] = selectors.semester_choices()
    ctx["one_school"] = len(rows) == 1
    ctx["chart"] = {
        "categories": [s.school.name for s in rows],
        "met": [s.classes_met for s in rows],
        "not_met": [s.classes - s.classes_met for s in rows],
        "labels": [_("Classes meeting the requirement"), _("Classes behind")],
    }
    return render(request, "schoolwork/lesson_compliance.html", ctx)


@login_required
@policy(None, "school", "Excel of lesson compliance; no one's personal data")
def lesson_compliance_export(request: HttpRequest) -> HttpResponse:
    from openpyxl import Workbook

    ctx = _compliance_context(request)
    wb = Workbook(write_only=True)  # streamed rows: a district's thousands of classes
    ws = wb.create_sheet(_("Schools"))
    ws.append([_("School"), _("Classes"), _("Classes meeting the requirement"), _("Class hours"),
               _("Grades without a plan")])  # fmt: skip
    for s in ctx["schools"]:
        unplanned = ", ".join(str(g) for g in s.grades_unplanned)
        ws.append([safe_cell(s.school.name), s.classes, s.classes_met, s.hours, unplanned])
    ws2 = wb.create_sheet(_("Classes"))
    ws2.append([_("School"), _("Grade"), _("Class"), _("Rule"), _("Class hours"), _("Fortnights due"),
                _("Fortnights covered"), _("Pre-exam counseling"), _("Stress relief"), _("Life education"),
                _("Adolescence education"), _("Met")])  # fmt: skip
    for s in ctx["schools"]:
        for c in s.rows:
            ws2.append([safe_cell(s.school.name), c.school_class.grade, safe_cell(c.school_class.name),
                        str(selectors.RULE_LABELS[c.rule]), c.hours, c.fortnights_due, c.fortnights_covered,
                        c.pre_exam, c.stress_relief, c.life_education, c.adolescence_education,
                        _("Yes") if c.met else _("No")])  # fmt: skip
    return xlsx_response(wb, f"lesson-compliance-{ctx['semester'].pk}.xlsx")


# --- staff training (R2.2, R1.4) --------------------------------------------------------------------------------

SHEET_MAX_BYTES = 2 * 1024 * 1024


@login_required
@policy(
    None,
    "staff",
    "trainings the user organises; staff names only on a training's own page",
    opens=lambda user: bool(selectors.organiser_nodes(user)),
)
def trainings(request: HttpRequest) -> HttpResponse:
    nodes = selectors.organiser_nodes(request.user)
    if not nodes:
        raise PermissionDenied
    if request.method == "POST":
        try:
            organiser = next(n for n in nodes if str(n.pk) == request.POST.get("organiser"))
            visited_raw = request.POST.get("visited") or ""
            visited = Node.objects.filter(pk=id_or_zero(visited_raw)).first()
            training = services.create_training(
                by=request.user,
                organiser=organiser,
                held_on=_date(request.POST.get("held_on")),
                topic=request.POST.get("topic", ""),
                hours=Decimal(request.POST.get("hours") or "2"),
                audience=request.POST.get("audience") or Audience.ALL_STAFF,
                kind=request.POST.get("kind") or TrainingKind.TRAINING,
                for_class_teachers=bool(request.POST.get("for_class_teachers")),
                visited=visited,
                cycle=request.POST.get("cycle") or TrainingCycle.IN_SERVICE,
                request=request,
            )
        except (StopIteration, ValueError, InvalidOperation):
            return _bad_form(request)
        except ProgramError as exc:
            return _error(request, exc)
        return redirect("schoolwork:training", pk=training.pk)
    semester = _semester(request)
    return render(
        request,
        "schoolwork/trainings.html",
        {
            "semester": semester,
            "semesters": selectors.semester_choices(),
            "trainings": selectors.managed_trainings(request.user).filter(semester=semester),
            "nodes": nodes,
            "schools": Node.objects.schools().filter(
                district__in=[n.pk for n in nodes if n.kind == NodeKind.DISTRICT]
            ),
            "kinds": TrainingKind.choices,
            "cycles": TrainingCycle.choices,
            "audiences": Audience.choices,
            "today": timezone.localdate(),
        },
    )


@login_required
@policy(
    None, "staff", "one training: its attendance (staff names and schools), sign-in QR code, sheet import"
)
def training_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not selectors.organiser_nodes(request.user):
        raise PermissionDenied
    training = selectors.managed_training_or_404(request.user, pk)
    url = request.build_absolute_uri(
        reverse("schoolwork:training_signin", kwargs={"token": services.signin_token(training)})
    )
    qr = segno.make(url, error="m").svg_inline(scale=5, title=_("Sign-in QR code"))
    return render(
        request,
        "schoolwork/training_detail.html",
        {"training": training, "attendance": selectors.attendance(training), "qr": qr, "signin_url": url},
    )


@login_required
@require_POST
@policy(None, "staff", "import a training's sign-in sheet (staff usernames or mobile numbers)")
def training_import(request: HttpRequest, pk: int) -> HttpResponse:
    if not selectors.organiser_nodes(request.user):
        raise PermissionDenied
    training = selectors.managed_training_or_404(request.user, pk)
    upload = request.FILES.get("sheet")
    if upload is None or upload.size > SHEET_MAX_BYTES:
        return _error(request, ProgramError(_("Choose a CSV or .xlsx file of at most 2 MB.")))
    with uploaded_sheet(upload) as path:
        try:
            added = services.import_attendance(
                by=request.user, training=training, path=path, original_name=upload.name, request=request
            )
        except services.SheetRejected as exc:
            return render(
                request,
                "schoolwork/program_error.html",
                {"message": exc.message, "row_errors": exc.errors},
                status=400,
            )
        except ProgramError as exc:
            return _error(request, exc)
    messages.success(request, _("%(n)s staff members signed in from the sheet.") % {"n": added})
    return redirect("schoolwork:training", pk=training.pk)


@login_required
@policy(None, "self", "the signed-in staff member marks themself present at a training")
def training_signin(request: HttpRequest, token: str) -> HttpResponse:
    training = services.training_from_token(token)
    if training is None:
        raise Http404
    if not roles_of(request.user) & selectors.STAFF_ROLES:
        raise PermissionDenied
    done = False
    if request.method == "POST":
        try:
            services.sign_in(training=training, user=request.user)
        except ProgramError as exc:
            return _error(request, exc)
        done = True
    return render(request, "schoolwork/training_signin.html", {"training": training, "done": done})


@login_required
@policy(
    None,
    "staff",
    "training coverage per school; staff names for the school's own leader and psych teacher",
    opens=held_by(selectors.COVERAGE_ROLES),
)
def training_coverage(request: HttpRequest) -> HttpResponse:
    schools = selectors.coverage_schools(request.user)
    semester = _semester(request)
    on = min(timezone.localdate(), semester.ends_on)
    rows = selectors.training_coverage(schools, semester, on=on)
    for row in rows:
        row.show_names = selectors.sees_staff_names(request.user, row.school)
    return render(
        request,
        "schoolwork/training_coverage.html",
        {
            "semester": semester,
            "semesters": selectors.semester_choices(),
            "rows": rows,
            "activities": selectors.district_activities(request.user, semester),
        },
    )


@login_required
@policy(
    None,
    "staff",
    "training hours per staff member (R2.2); names for the school's own leader and psych teacher and, of those "
    "short, the district",
)
def training_hours(request: HttpRequest) -> HttpResponse:
    if not roles_of(request.user) & selectors.COVERAGE_ROLES:
        raise PermissionDenied
    semester = _semester(request)
    cert_schools = selectors.certificate_schools(request.user)
    if request.method == "POST":
        school = next((s for s in cert_schools if str(s.pk) == request.POST.get("school")), None)
        if school is None:
            return _error(request, ProgramError(_("You do not record certificates for this school."), 404))
        try:
            services.record_certificate(
                by=request.user, school=school, staff_id=request.POST.get("staff", ""),
                title=request.POST.get("title", ""), issuer=request.POST.get("issuer", ""),
                hours=request.POST.get("hours", ""), issued_on=_date(request.POST.get("issued_on")),
                cycle=request.POST.get("cycle") or TrainingCycle.IN_SERVICE,
            )  # fmt: skip
        except (ValueError, InvalidOperation):
            return _bad_form(request)
        except ProgramError as exc:
            return _error(request, exc)
        messages.success(request, _("The certificate is recorded."))
        return redirect(f"{reverse('schoolwork:training_hours')}?semester={semester.pk}")
    on = min(timezone.localdate(), semester.ends_on)
    rows = selectors.training_hours(selectors.coverage_schools(request.user), semester, on=on)
    names_seen = []
    for row in rows:
        row.own = selectors.sees_staff_names(request.user, row.school)
        row.names = row.own or selectors.sees_hours_names(request.user, row.school)
        row.listed = row.staff if row.own else row.short if row.names else []
        for person in row.listed:
            person.is_short = person.short(row.required, row.pre_required)
            person.no_pre_service = person.lacks_pre_service(row.pre_required)
        if row.listed:
            names_seen.append(row.school.pk)
    if names_seen:
        audit.record(
            actor=request.user, action="schoolwork.training_hours.view", detail={"schools": names_seen}
        )
    staff_of = {r.school.pk: r.staff for r in rows}
    return render(
        request,
        "schoolwork/training_hours.html",
        {
            "semester": semester,
            "semesters": selectors.semester_choices(),
            "rows": rows,
            "required": selectors.required_hours(),
            "pre_required": selectors.required_pre_service_hours(),
            "cert_schools": [(s, staff_of.get(s.pk, [])) for s in cert_schools],
            "cycles": TrainingCycle.choices,
            "certificates": (
                certs := first_rows(selectors.certificates_for(request.user, semester), request, 200)
            ).rows,
            "certificates_part": certs,
            "today": timezone.localdate(),
        },
    )


# --- key times (R3.3) -------------------------------------------------------------------------------------------


@login_required
@policy(
    None,
    "school",
    "key-time activities per grade of the user's school; no one's personal data",
    opens=lambda user: bool(selectors.keytime_schools(user)),
)
def keytimes(request: HttpRequest) -> HttpResponse:
    schools = selectors.keytime_schools(request.user)
    if not schools:
        raise PermissionDenied
    semester = _semester(request)
    if request.method == "POST":
        try:
            services.record_key_time(
                by=request.user,
                school_id=int(request.POST["school"]),
                semester=semester,
                grade=int(request.POST["grade"]),
                key=request.POST["key"],
                held_on=_date(request.POST.get("held_on")),
                topic=request.POST.get("topic", ""),
                request=request,
            )
        except (KeyError, ValueError):
            return _bad_form(request)
        except ProgramError as exc:
            return _error(request, exc)
        messages.success(request, _("The key-time activity is recorded."))
        return redirect(f"{request.path}?semester={semester.pk}")
    today = timezone.localdate()
    rows = [(r, r.state(today)) for r in selectors.key_time_status(schools, semester)]
    return render(
        request,
        "schoolwork/keytimes.html",
        {"semester": semester, "semesters": selectors.semester_choices(), "rows": rows, "today": today},
    )


# --- five educations (R6–R8) ------------------------------------------------------------------------------------


@login_required
@policy(
    Tier.T1,
    "class",
    "five-education record of the user's classes; a class's student names on its own page",
    opens=held_by(selectors.FIVE_ED_ROLES),
)
def activities(request: HttpRequest) -> HttpResponse:
    classes = selectors.activity_classes(request.user)
    semester = _semester(request)
    raw = request.GET.get("class") or request.POST.get("class")
    if not raw:
        rows = selectors.five_educations(classes.filter(school_year_id=semester.school_year_id), semester)
        return render(
            request,
            "schoolwork/activities.html",
            {"semester": semester, "semesters": selectors.semester_choices(), "rows": rows},
        )
    school_class = classes.filter(pk=id_or_zero(raw)).first()
    if school_class is None:
        raise Http404
    if request.method == "POST":
        try:
            if request.POST.get("action") == "week":
                services.record_class_week(
                    by=request.user,
                    school_class=school_class,
                    semester=semester,
                    week_of=_date(request.POST.get("week_of")),
                    pe_in_school=int(request.POST["pe_in_school"]),
                    pe_outside=int(request.POST["pe_outside"]),
                    outdoor_break=int(request.POST["outdoor_break"]),
                    request=request,
                )
            else:
                services.record_class_activity(
                    by=request.user,
                    school_class=school_class,
                    semester=semester,
                    kind=request.POST.get("kind", ""),
                    held_on=_date(request.POST.get("held_on")),
                    title=request.POST.get("title", ""),
                    level=request.POST.get("level") or ActivityLevel.SCHOOL,
                    hours=Decimal(request.POST.get("hours") or "1"),
                    student_ids=[int(v) for v in request.POST.getlist("students")],
                    request=request,
                )
        except (KeyError, ValueError, InvalidOperation):
            return _bad_form(request)
        except ProgramError as exc:
            return _error(request, exc)
        messages.success(request, _("Recorded."))
        return redirect(f"{request.path}?semester={semester.pk}&class={school_class.pk}")
    students = list(selectors.class_students(school_class))
    audit.record(
        actor=request.user, action="schoolwork.activities.view", obj=school_class, request=request,
        detail={"ids": [s.pk for s in students]},
    )  # fmt: skip
    [summary] = selectors.five_educations([school_class], semester)
    return render(
        request,
        "schoolwork/activity_class.html",
        {
            "semester": semester,
            "semesters": selectors.semester_choices(),
            "school_class": school_class,
            "school_param": "",
            "class_param": school_class.pk,
            "summary": summary,
            "students": students,
            "activities": selectors.class_activities(school_class, semester),
            "kinds": ActivityKind.choices,
            "levels": ActivityLevel.choices,
            "today": timezone.localdate(),
        },
    )


@login_required
@policy(
    None, "staff", "Excel of training coverage per school; untrained names only for the school's own leader"
)
def training_coverage_export(request: HttpRequest) -> HttpResponse:
    from openpyxl import Workbook

    if not roles_of(request.user) & selectors.COVERAGE_ROLES:
        raise PermissionDenied
    semester = _semester(request)
    rows = selectors.training_coverage(
        selectors.coverage_schools(request.user), semester, on=min(timezone.localdate(), semester.ends_on)
    )
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Training coverage"))
    ws.append([_("School"), _("Staff"), _("Trained"), "%", _("Class teachers"),
               _("Class teachers in class-teacher training"), _("Not yet trained")])  # fmt: skip
    for r in rows:
        names = (
            ", ".join(str(u) for u in r.untrained)
            if selectors.sees_staff_names(request.user, r.school)
            else ""
        )
        ws.append([safe_cell(r.school.name), r.staff, r.trained, r.percent, r.class_teachers,
                   r.class_teachers_trained, safe_cell(names) or len(r.untrained)])  # fmt: skip
    return xlsx_response(wb, f"training-coverage-{semester.pk}.xlsx")
