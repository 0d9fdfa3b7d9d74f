"""The JSON API (django-ninja) for the mobile / mini-program client and integrations (issue 2, deliverable 12).

- OpenAPI 3 schema at ``/api/openapi.json``, Swagger UI at ``/api/docs``, both served from ninja's own vendored
  static files (no CDN; Swagger's online validator badge is switched off, it would call validator.swagger.io).
- Docs and schema are for signed-in users (session or bearer token), not public: they hold no one's data, but
  an open Swagger page on a government system is a standard finding of a 等保 (MLPS) assessment
  ("Swagger 未授权访问"), and every legitimate client has an account anyway.
- Same policy as the pages: every read goes through ``access.policy``; outside one's scope is 404; every read of
  a student's data is an audit event; every operation declares ``@policy`` and an explicit ``url_name``
  (:func:`operation_policies` lists them for the persona matrix).

The routes about people's data live here, at the project level, because they join ``org`` (the data) and
``access`` (who may see it) and ``org`` is the lowest layer, which imports no other Xinyu app.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db.models import (
    BooleanField,
    Count,
    Expression,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from ninja import Field, NinjaAPI, Query, Router, Schema, Swagger
from ninja.operation import Operation
from ninja.utils import normalize_path

from access import audit, tokens
from access.api import API_AUTH, ClassRef, NodeRef, caller
from access.api import router as access_router
from access.policy import (
    NOTHING,
    full_roster_q,
    grants,
    may,
    student_q,
    visible_classes,
    visible_schools,
    visible_students,
)
from access.routes import RoutePolicy, policy, policy_of
from access.tiers import Tier
from org.models import Enrollment, EnrollmentStatus, ImportJob, SchoolClass, SchoolYear, Student

MAX_PAGE_SIZE = 100
MAX_PAGE = 100_000  # keeps OFFSET far from any database's integer limit


# --- docs and schema: signed-in users only ----------------------------------------------------------------------

DOCS_POLICY = RoutePolicy(None, "api-docs", "login-only; the API's shape, no one's data")


def _docs_access(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let a signed-in session or a valid bearer token through; otherwise 401 (schema) or the login page (docs)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            user = tokens.user_for_token(token.strip()) if scheme.lower() == "bearer" else None
            if user is None:
                if request.path.endswith(".json"):
                    return JsonResponse({"detail": "Unauthorized"}, status=401)
                return redirect_to_login(request.get_full_path())
            request.user = user
        return view(request, *args, **kwargs)

    guarded.access_policy = DOCS_POLICY  # type: ignore[attr-defined]
    return guarded


class XinyuAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        # The explicit url_name is the stable, readable operationId ("student_detail") that client generators use.
        name = getattr(operation, "url_name", "") or super().get_openapi_operation_id(operation)
        return name.removeprefix("api_")


api = XinyuAPI(
    title="Xinyu 心育 API",
    version="1",
    description=(
        "Authenticate with `Authorization: Bearer <token>` (make one with `manage.py create_api_token` or "
        "`POST /api/tokens` from a signed-in session) or with the session cookie plus the `X-CSRFToken` header "
        "on unsafe methods. Objects outside your scope answer 404."
    ),
    urls_namespace="api",
    auth=API_AUTH,
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
    docs_decorator=_docs_access,
)
api.add_router("", access_router)


# --- schemas ------------------------------------------------------------------------------------------------------


class Page(Schema):
    count: int = Field(description="Items in all pages")
    page: int
    page_size: int


class SchoolOut(Schema):
    id: int
    name: str
    code: str
    stage: str
    stage_label: str
    is_multi_site: bool
    district: NodeRef | None
    classes: int = Field(description="Classes in the current school year")
    students: int | None = Field(
        description="Students enrolled now; null when the count is suppressed as a small cell (1–4)"
    )


class SchoolPage(Page):
    items: list[SchoolOut]


class ClassOut(Schema):
    id: int
    name: str
    grade: int
    school: NodeRef
    campus: NodeRef
    school_year: int = Field(description="The school year's start year: 2025 is 2025–2026")
    class_teacher: str | None


class ClassPage(Page):
    items: list[ClassOut]


class StudentOut(Schema):
    """T1 roster fields. A plain teacher gets name and class only (the other fields are null)."""

    id: int
    name: str
    school: NodeRef | None
    school_class: ClassRef | None
    gender: str | None
    student_no: str | None = Field(
        description="学籍号; all but the last 4 characters masked unless you may read this student's T3 data"
    )
    student_no_masked: bool


class StudentDetailOut(StudentOut):
    birth_date: dt.date | None


class StudentPage(Page):
    items: list[StudentOut]


class ImportJobOut(Schema):
    id: int
    kind: str
    status: str
    status_label: str
    percent: int
    node: NodeRef
    original_name: str
    dry_run: bool
    skip_invalid: bool
    total_rows: int
    processed_rows: int
    error_count: int
    summary: dict[str, Any]
    errors: list[dict[str, Any]]
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


# --- selectors ----------------------------------------------------------------------------------------------------


def _flag(q: Q) -> Expression:
    """A boolean column that is true for the rows matching ``q`` (one query for a whole page, no N+1)."""
    if q == NOTHING:
        return Value(False, output_field=BooleanField())
    return ExpressionWrapper(q, output_field=BooleanField())


def students_for(user: Any) -> QuerySet[Student]:
    """The user's visible students (T1), each row annotated with what they may read of it:
    ``full_roster`` (more than name and class) and ``clinical`` (T3 here, so the unmasked 学籍号)."""
    t3 = student_q(user, Tier.T3) if grants(user, Tier.T3) else NOTHING
    active = Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE).select_related(
        "school", "school_class"
    )
    return (
        visible_students(user, Tier.T1)
        .annotate(full_roster=_flag(full_roster_q(user)), clinical=_flag(t3))
        .prefetch_related(Prefetch("enrollments", queryset=active, to_attr="active_enrollments"))
    )


def mask(student_no: str) -> str:
    return "*" * max(len(student_no) - 4, 0) + student_no[-4:]


def student_row(s: Student) -> dict[str, Any]:
    enrollment = s.active_enrollments[0] if s.active_enrollments else None  # type: ignore[attr-defined]
    full = bool(s.full_roster)  # type: ignore[attr-defined]
    clinical = bool(s.clinical)  # type: ignore[attr-defined]
    return {
        "id": s.pk,
        "name": s.name,
        "school": enrollment.school if enrollment else None,
        "school_class": enrollment.school_class if enrollment else None,
        "gender": s.gender if full else None,
        "student_no": (s.student_no if clinical else mask(s.student_no)) if full or clinical else None,
        "student_no_masked": not clinical,
        "birth_date": s.birth_date if full else None,
    }


def _page(qs: QuerySet, page: int, page_size: int) -> tuple[int, list]:
    start = (page - 1) * page_size
    return qs.count(), list(qs[start : start + page_size])


# --- routes -------------------------------------------------------------------------------------------------------

router = Router(tags=["roster"])


@router.get(
    "/schools", response=SchoolPage, url_name="api_school_list", summary="Schools in my scope (counts)"
)
@policy(Tier.T0, "school", "aggregates only; student counts under XINYU_MIN_CELL suppressed")
def list_schools(
    request: HttpRequest,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(50, ge=1, le=MAX_PAGE_SIZE),
) -> dict:
    user = caller(request)
    year = SchoolYear.current()
    enrolled = (
        Enrollment.objects.filter(school=OuterRef("pk"), status=EnrollmentStatus.ACTIVE)
        .order_by()
        .values("school")
        .annotate(n=Count("pk"))
        .values("n")
    )
    classes = (
        SchoolClass.objects.filter(school=OuterRef("pk"), school_year=year)
        .order_by()
        .values("school")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = (
        visible_schools(user)
        .select_related("district")
        .annotate(n_students=Coalesce(Subquery(enrolled), 0), n_classes=Coalesce(Subquery(classes), 0))
        .order_by("path")
    )
    count, schools = _page(qs, page, page_size)
    min_cell = settings.XINYU_MIN_CELL
    items = [
        {
            "id": s.pk,
            "name": s.name,
            "code": s.code,
            "stage": s.stage,
            "stage_label": str(s.get_stage_display()),
            "is_multi_site": s.is_multi_site,
            "district": s.district,
            "classes": s.n_classes,
            # T0: a small cell could single a child out (DESIGN.md, Access).
            "students": None if 0 < s.n_students < min_cell else s.n_students,
        }
        for s in schools
    ]
    return {"count": count, "page": page, "page_size": page_size, "items": items}


@router.get(
    "/classes", response=ClassPage, url_name="api_class_list", summary="Classes whose roster I may see"
)
@policy(Tier.T1, "class", "own class, or every class under a school/district post")
def list_classes(
    request: HttpRequest,
    school_id: int | None = None,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(50, ge=1, le=MAX_PAGE_SIZE),
) -> dict:
    user = caller(request)
    qs = visible_classes(user).select_related("school", "campus", "school_year", "class_teacher")
    if school_id is not None:
        qs = qs.filter(school_id=school_id)
    qs = qs.order_by("school__path", "-school_year__start_year", "grade", "name", "pk")
    count, classes = _page(qs, page, page_size)
    items = [
        {
            "id": c.pk,
            "name": c.name,
            "grade": c.grade,
            "school": c.school,
            "campus": c.campus,
            "school_year": c.school_year.start_year,
            "class_teacher": str(c.class_teacher) if c.class_teacher else None,
        }
        for c in classes
    ]
    return {"count": count, "page": page, "page_size": page_size, "items": items}


@router.get("/students", response=StudentPage, url_name="api_student_list", summary="Students in my scope")
@policy(Tier.T1, "student", "roster fields; audited as student.list")
def list_students(
    request: HttpRequest,
    q: str = Query("", max_length=50, description="Part of a name, or a whole 学籍号"),
    class_id: int | None = None,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(50, ge=1, le=MAX_PAGE_SIZE),
) -> dict:
    user = caller(request)
    qs = students_for(user)
    if class_id is not None:
        if not visible_classes(user).filter(pk=class_id).exists():
            raise Http404
        qs = qs.filter(enrollments__school_class_id=class_id, enrollments__status=EnrollmentStatus.ACTIVE)
    q = q.strip()
    if q:
        # A whole number only: a prefix search would let a masked number be guessed a digit at a time.
        qs = qs.filter(Q(name__icontains=q) | Q(student_no__iexact=q))
    count, students = _page(qs.order_by("name", "pk"), page, page_size)
    items = [student_row(s) for s in students]
    if items:
        audit.record(
            actor=user,
            action="student.list",
            request=request,
            detail={"via": "api", "student_ids": [i["id"] for i in items], "q": q, "class_id": class_id},
        )
    return {"count": count, "page": page, "page_size": page_size, "items": items}


@router.get(
    "/students/{student_id}", response=StudentDetailOut, url_name="api_student_detail", summary="One student"
)
@policy(Tier.T1, "student", "roster fields; a plain teacher gets name and class; audited as student.view")
def student_detail(request: HttpRequest, student_id: int) -> dict:
    user = caller(request)
    student = students_for(user).filter(pk=student_id).first()
    if student is None:
        raise Http404
    row = student_row(student)
    audit.record(
        actor=user,
        action="student.view",
        obj=student,
        student_id=student.pk,
        request=request,
        detail={"via": "api", "fields": "full" if student.full_roster else "name_and_class"},  # type: ignore[attr-defined]
    )
    return row


@router.get(
    "/imports/{job_id}", response=ImportJobOut, url_name="api_import_detail", summary="A roster import"
)
@policy(Tier.T1, "job", "only a job the caller started, while they may still import at its node")
def import_detail(request: HttpRequest, job_id: int) -> dict:
    user = caller(request)
    job = ImportJob.objects.select_related("node").filter(pk=job_id, created_by=user).first()
    # Its error report quotes roster rows: gone with the right to import there.
    if job is None or not may(user, "roster.import", job.node):
        raise Http404
    return {
        **{f: getattr(job, f) for f in ImportJobOut.model_fields if hasattr(job, f)},
        "status_label": str(job.get_status_display()),
    }


api.add_router("", router)


# --- the persona matrix's view of the API -----------------------------------------------------------------------


def operation_policies(ninja_api: NinjaAPI = api) -> Iterator[tuple[str, str, str, RoutePolicy | None]]:
    """``(url_name, http_method, path, policy)`` for every operation of the API, plus its schema, docs and
    root views, so a test can fail on an operation that declares no policy or no explicit url_name."""
    root = reverse(f"{ninja_api.urls_namespace}:api-root")
    yield "openapi-json", "GET", normalize_path(root + (ninja_api.openapi_url or "")), DOCS_POLICY
    yield "openapi-view", "GET", normalize_path(root + (ninja_api.docs_url or "")), DOCS_POLICY
    yield "api-root", "GET", root, RoutePolicy(None, "public", "always 404: ninja's reverse() anchor")
    for bound in ninja_api._get_bound_routers():  # ninja 1.x has no public walk over bound operations
        for path, path_view in bound.path_operations.items():
            full = normalize_path("/".join([root, bound.prefix, path]))
            for operation in path_view.operations:
                for method in operation.methods:
                    yield getattr(operation, "url_name", ""), method, full, policy_of(operation.view_func)
