"""校历与学年升级 pages (issue 18, builds 3 and 4): the school calendar — school years, semesters, holidays, 调休
working days and exam days, per district with per-school overrides — and a school's year rollover (preview,
confirm or discard, progress)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from access.policy import may
from access.routes import policy
from org.calendar import selectors as calendar
from org.calendar.models import DayKind
from org.calendar.services import CalendarError
from org.models import Node, NodeKind, RolloverPlan, SchoolYear, Semester
from org.rollover import services as rollover
from org.rollover.services import RolloverError
from xinyu.converters import date_or_none, id_or_zero
from xinyu.web.calendar import services

PREVIEW_LABELS = {
    "classes_moving_up": gettext_lazy("classes moving up a grade"),
    "classes_graduating": gettext_lazy("classes graduating"),
    "students_moving_up": gettext_lazy("students moving up a grade"),
    "students_graduating": gettext_lazy("students graduating"),
    "students_without_class": gettext_lazy("students without a class"),
    "posts_ending": gettext_lazy("class-teacher posts ending"),
    "files_following": gettext_lazy("student files following their student"),
    "open_cases": gettext_lazy("open cases following their student"),
    "classes_created": gettext_lazy("classes created"),
    "students_moved_up": gettext_lazy("students moved up"),
    "students_graduated": gettext_lazy("students graduated"),
    "posts_ended": gettext_lazy("class-teacher posts ended"),
}


def _int(value: str | None) -> int | None:
    """A number sent in a form or the query string — an id or a year — or None: anything but a plain number that
    fits the database (issue 19 build 6: the form fuzz's ids overflowed SQLite, its years ``date()``)."""
    return id_or_zero(value) or None


def _year(value: str | None) -> int:
    """The calendar year to show: the one asked for if it is one the calendar keeps (2000–2100), else this year."""
    year = _int(value)
    return year if year is not None and 2000 <= year <= 2100 else timezone.localdate().year


def _rows(counts: dict) -> list[tuple[str, int]]:
    out = []
    for key, value in counts.items():
        if key == "followers":
            out += _rows(value)
        elif key in PREVIEW_LABELS:
            out.append((str(PREVIEW_LABELS[key]), value))
    return out


def year_to_set_up(years: list, today: dt.date) -> int:
    """The start year the "set up the school year" field offers: the school year holding today (a school year
    starts in September), or — once that one is set up — the first later one not set up yet (issue 18: on a new
    installation, and at the year's end before the rollover, the field is right without typing)."""
    start = today.year if today.month >= 9 else today.year - 1
    taken = {y.start_year for y in years}
    while start in taken:
        start += 1
    return start


def _calendar_context(request: HttpRequest, node: Node | None, year: int) -> dict:
    nodes = services.editable_nodes(request.user)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    scope = (
        None if node is None or node.kind == NodeKind.CITY else node
    )  # the city's calendar is the national one
    days = calendar.special_days(scope, first, last)
    years = calendar.school_years()
    return {
        "years": years,
        "year_to_set_up": year_to_set_up(years, timezone.localdate()),
        "may_year": services.may_keep_years(request.user),
        "may_city_year": may(request.user, "calendar.year"),
        "semester_nodes": services.semester_nodes(request.user),
        "nodes": nodes,
        "node": node,
        "year": year,
        "days": days,
        "kinds": DayKind.choices,
        "today": timezone.localdate(),
    }


@login_required
@require_http_methods(["GET", "POST"])
@policy(
    None,
    "calendar",
    "the school calendar (no student data): administrators keep school years and semesters, a district or school "
    "its own holidays, 调休 working days and exam days",
)
def index(request: HttpRequest) -> HttpResponse:
    if not may(request.user, "calendar.edit"):
        raise PermissionDenied
    nodes = services.editable_nodes(request.user)
    picked = _int(request.POST.get("node") or request.GET.get("node"))
    node = next((n for n in nodes if n.pk == picked), nodes[0] if nodes else None)
    year = _year(request.GET.get("year"))
    if request.method == "POST":
        action = request.POST.get("action", "")
        p = request.POST
        try:
            if action == "set_up_year":
                start = _int(p.get("start_year"))
                if start is None:
                    raise CalendarError(_("Give the school year as the year it starts, e.g. 2026."))
                done = services.set_up_year(user=request.user, start_year=start, request=request)
                messages.success(request, _("The school year %(year)s is set up.") % {"year": done})
            elif action == "semester":
                target = services.semester_node_or_404(request.user, _int(p.get("for")))
                _save_semester(request, target)
            elif action == "load":
                created, updated = services.load_national(user=request.user, request=request)
                messages.success(
                    request,
                    _("National holidays loaded: %(created)d added, %(updated)d updated.")
                    % {"created": created, "updated": updated},
                )
            elif action == "days":
                first = date_or_none(p.get("first", ""))
                last = date_or_none(p.get("last", "")) or first
                if first is None:
                    raise CalendarError(_("Give a date."))
                target = next((n for n in nodes if str(n.pk) == p.get("node")), None)
                if target is None:
                    raise PermissionDenied
                services.set_days(
                    user=request.user,
                    node=target,
                    first=first,
                    last=last,
                    kind=p.get("kind", ""),
                    name=p.get("name", ""),
                    request=request,
                )
                messages.success(request, _("The calendar was updated."))
                return redirect(f"{request.path}?node={target.pk}&year={first.year}")
            else:
                raise CalendarError(_("Unknown action."))
        except CalendarError as exc:
            context = _calendar_context(request, node, year)
            context["error"] = str(exc)
            return render(request, "org/calendar/index.html", context, status=400)
        return redirect(f"{request.path}?year={year}")
    return render(request, "org/calendar/index.html", _calendar_context(request, node, year))


def _save_semester(request: HttpRequest, node: Node) -> None:
    """The semester form (the city's dates, or a district's own): raises ``CalendarError`` on bad input."""
    p = request.POST
    school_year = SchoolYear.objects.filter(pk=_int(p.get("school_year"))).first()
    starts, ends = date_or_none(p.get("starts_on", "")), date_or_none(p.get("ends_on", ""))
    if school_year is None or starts is None or ends is None:
        raise CalendarError(_("Give the school year and the first and last day of the semester."))
    services.save_semester(
        user=request.user,
        school_year=school_year,
        term=_int(p.get("term")) or 0,
        starts_on=starts,
        ends_on=ends,
        district=node,
        request=request,
    )
    messages.success(request, _("The semester was saved."))


def _semesters_context(request: HttpRequest, node: Node) -> dict:
    held = calendar.semesters_of(node)
    city = {s.pk: s for s in calendar.semesters_of(None)}
    rows = [{"semester": s, "own": s.dates_of is not None, "city": city.get(s.pk)} for s in held]
    return {
        "node": node,
        "rows": rows,
        "years": calendar.school_years(),
        "semester_nodes": services.semester_nodes(request.user),
        "is_city": node.kind == NodeKind.CITY,
    }


@login_required
@require_http_methods(["GET", "POST"])
@policy(
    None,
    "calendar",
    "one node's semesters (no student data): the city's by the city administrator, a district's own dates by its "
    "administrator (or the city's) — a district administrator never the city's",
)
def semesters(request: HttpRequest, pk: int) -> HttpResponse:
    if not services.may_keep_years(request.user):
        raise PermissionDenied
    node = services.semester_node_or_404(request.user, pk)
    if request.method == "POST":
        try:
            _save_semester(request, node)
        except CalendarError as exc:
            context = _semesters_context(request, node)
            context["error"] = str(exc)
            return render(request, "org/calendar/semesters.html", context, status=400)
        return redirect(request.path)
    return render(request, "org/calendar/semesters.html", _semesters_context(request, node))


@login_required
@require_http_methods(["POST"])
@policy(None, "calendar", "a district's semester back to the city's dates (no student data)")
def follow_city(request: HttpRequest, pk: int, semester: int) -> HttpResponse:
    if not may(request.user, "calendar.semester"):
        raise PermissionDenied
    district = services.semester_node_or_404(request.user, pk)
    if district.kind != NodeKind.DISTRICT:
        raise Http404
    sem = Semester.objects.filter(pk=semester).first()
    if sem is None:
        raise Http404
    try:
        if services.follow_city_semester(user=request.user, district=district, semester=sem, request=request):
            messages.success(
                request,
                _("%(district)s now follows the city's dates for %(semester)s.")
                % {"district": district, "semester": sem},
            )
        else:
            messages.info(
                request,
                _("%(district)s already follows the city's dates for %(semester)s.")
                % {"district": district, "semester": sem},
            )
    except CalendarError as exc:
        context = _semesters_context(request, district)
        context["error"] = str(exc)
        return render(request, "org/calendar/semesters.html", context, status=400)
    return redirect("calendar:semesters", pk=district.pk)


def _school_or_404(request: HttpRequest, pk: int | None) -> Node:
    school = next((s for s in services.rollover_schools(request.user) if s.pk == pk), None)
    if school is None:
        raise Http404
    return school


@login_required
@require_http_methods(["GET", "POST"])
@policy(
    None,
    "rollover",
    "a school's year rollover: counts only (no names); the school's leader or the district's administrator runs it",
)
def rollover_page(request: HttpRequest) -> HttpResponse:
    if not may(request.user, "rollover.run"):
        raise PermissionDenied
    schools = services.rollover_schools(request.user)
    picked = _int(request.POST.get("school") or request.GET.get("school"))
    if picked is None and schools:
        picked = schools[0].pk
    school = _school_or_404(request, picked) if picked is not None else None
    context: dict = {"schools": schools, "school": school}
    if school is None:
        return render(request, "org/calendar/rollover.html", context)
    if request.method == "POST":
        action = request.POST.get("action", "")
        plan = rollover.staged_plan(school)
        try:
            if action == "preview":
                services.stage_rollover(user=request.user, school=school, request=request)
            elif action in ("confirm", "discard"):
                plan = RolloverPlan.objects.filter(pk=_int(request.POST.get("plan")), school=school).first()
                if plan is None:
                    raise Http404
                if action == "confirm":
                    services.confirm_rollover(user=request.user, plan=plan, request=request)
                    messages.success(request, _("The rollover was started."))
                else:
                    services.discard_rollover(user=request.user, plan=plan, request=request)
                    messages.success(request, _("The rollover was discarded; nothing was changed."))
        except (RolloverError, CalendarError) as exc:
            context["error"] = str(exc)
            context.update(_rollover_state(school))
            return render(request, "org/calendar/rollover.html", context, status=400)
        return redirect(f"{request.path}?school={school.pk}")
    context.update(_rollover_state(school))
    return render(request, "org/calendar/rollover.html", context)


def _rollover_state(school: Node) -> dict:
    plan = rollover.staged_plan(school)
    history = rollover.rollovers_of(school)
    state: dict = {"plan": plan, "history": history}
    if plan is not None:
        state["plan_rows"] = _rows(plan.counts)
        state["progress"] = services.progress_of(plan)
    else:
        try:
            state["preview_rows"] = _rows(rollover.preview(school=school).__dict__)
        except RolloverError as exc:
            state["notice"] = str(exc)
    for h in history:
        h.done_rows = _rows(h.counts.get("done", {}))
    return state


@login_required
@require_GET
@policy(None, "rollover", "the progress of a running rollover (counts only)")
def rollover_progress(request: HttpRequest, pk: int) -> HttpResponse:
    if not may(request.user, "rollover.run"):
        raise PermissionDenied
    plan = RolloverPlan.objects.filter(pk=pk).select_related("school").first()
    if plan is None:
        raise Http404
    _school_or_404(request, plan.school_id)
    return JsonResponse(services.progress_of(plan))
