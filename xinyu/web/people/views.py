"""Pages of the jurisdiction tree: schools, classes, students and the student page (shell).

Thin views: reads come from ``xinyu.web.people.selectors`` (which start from ``access.policy``), every list of student
rows and every student page writes one audit event (foundation issue, Audit).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from access import audit
from access.policy import grants
from access.routes import policy
from access.tiers import Tier
from xinyu.converters import id_or_zero
from xinyu.web.people import selectors
from xinyu.web.people.sections import sections_for
from xinyu.web.people.services import search_wait
from xinyu.web.slips.selectors import may_print_passwords

PAGE_SIZE = 25


def _page(request: HttpRequest, qs) -> Page:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _int_param(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    if not id_or_zero(raw):
        raise Http404
    return id_or_zero(raw)


def _querystring(request: HttpRequest) -> str:
    """The current filters without ``page`` (for pagination links)."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
@policy(Tier.T0, "school", "counts only; small cells suppressed above school level")
def school_list(request: HttpRequest) -> HttpResponse:
    q = selectors.clean_query(request.GET.get("q"))
    page = _page(request, selectors.school_rows(request.user, q=q))
    unsuppressed = selectors.school_level_school_ids(request.user)
    for school in page.object_list:
        school.student_count_shown = selectors.shown_count(
            school.student_count, suppress=school.pk not in unsuppressed
        )
    return render(
        request,
        "org/school_list.html",
        {
            "page": page,
            "q": q,
            "querystring": _querystring(request),
            "links_to_classes": bool(grants(request.user, Tier.T1)),
        },
    )


@login_required
@policy(Tier.T1, "class", "class rosters within the user's T1 scope: size, class teacher")
def class_list(request: HttpRequest) -> HttpResponse:
    q = selectors.clean_query(request.GET.get("q"))
    school = selectors.visible_school_or_none(request.user, _int_param(request, "school"))
    if request.GET.get("school") and school is None:
        raise Http404
    rows = selectors.class_rows(request.user, q=q, school_id=school.pk if school else None)
    page = _page(request, rows)
    for c in page.object_list:
        c.may_print = may_print_passwords(request.user, c)  # posts are cached: no query per row
    return render(
        request,
        "org/class_list.html",
        {
            "page": page,
            "q": q,
            "school": school,
            "querystring": _querystring(request),
            "any_printable": any(c.may_print for c in page.object_list),
        },
    )


@login_required
@policy(Tier.T1, "student", "roster rows; 学籍号 masked without T3; name and class only for a plain teacher")
def student_list(request: HttpRequest) -> HttpResponse:
    q = selectors.clean_query(request.GET.get("q"))
    class_id = _int_param(request, "class")
    school_class = selectors.visible_class_or_none(request.user, class_id)
    if class_id is not None and school_class is None:
        raise Http404
    wait = search_wait(request, q)
    if wait:
        return render(
            request,
            "org/student_list.html",
            {"q": q, "school_class": school_class, "sees_students": True, "search_wait": -(-wait // 60)},
            status=429,
        )
    page = _page(request, selectors.student_rows(request.user, q=q, class_id=class_id))
    rows = list(page.object_list)
    for s in rows:
        s.student_no_shown = s.student_no if s.unmasked else selectors.mask_student_no(s.student_no)
    # Foundation issue, Audit: every view of students' T1 data writes one event, naming who was shown.
    audit.record(
        actor=request.user,
        action="student.list",
        request=request,
        detail={"ids": [s.pk for s in rows], "q": q, "class": class_id},
    )
    return render(
        request,
        "org/student_list.html",
        {
            "page": page,
            "rows": rows,
            "q": q,
            "school_class": school_class,
            "querystring": _querystring(request),
            "sees_students": bool(grants(request.user, Tier.T1)),
        },
    )


@login_required
@policy(Tier.T1, "student", "T1 shell; sections registered by later apps check their own tier")
def student_detail(request: HttpRequest, pk: int) -> HttpResponse:
    info = selectors.student_page(request.user, pk)  # outside scope: 404
    audit.record(
        actor=request.user,
        action="student.view",
        obj=info.student,
        student_id=info.student.pk,
        request=request,
    )
    return render(
        request,
        "org/student_detail.html",
        {"info": info, "student": info.student, "sections": sections_for(request, info.student)},
    )
