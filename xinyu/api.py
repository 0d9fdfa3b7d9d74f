"""The JSON API (django-ninja) for the mobile / mini-program client and integrations (issue 2, deliverable 12).

- OpenAPI 3 schema at ``/api/openapi.json``, Swagger UI at ``/api/docs``, both served from ninja's own vendored
  static files (no CDN; Swagger's online validator badge is switched off, it would call validator.swagger.io).
- Docs and schema are for signed-in users (session or bearer token), not public: they hold no one's data, but
  an open Swagger page on a government system is a standard finding of a 等保 (MLPS) assessment
  ("Swagger 未授权访问"), and every legitimate client has an account anyway.
- Same policy as the pages: every read goes through ``access.policy``; outside one's scope is 404; every read of
  a student's data is an audit event; every operation declares ``@policy`` and an explicit ``url_name``
  (:func:`operation_policies` lists them for the persona matrix).

The routes are thin: they call the same selectors as the pages (``xinyu.web.people.selectors``, which start every queryset
from ``access.policy``), so the API and the pages cannot disagree about who sees what.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from ninja import Field, NinjaAPI, Path, Query, Router, Schema, Swagger
from ninja.errors import HttpError
from ninja.operation import Operation
from ninja.utils import normalize_path

from access import audit, tokens
from access.api import API_AUTH, MAX_ID, ClassRef, NodeRef, caller
from access.api import router as access_router
from access.policy import may
from access.routes import RoutePolicy, policy, policy_of
from access.tiers import Tier
from care.reports.api import router as care_router
from org.models import ImportJob
from screening.campaigns.api import router as screening_router
from xinyu.web.people import selectors
from xinyu.web.people.services import search_wait

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
    campuses: list[NodeRef]
    students: int | None = Field(
        description="Students enrolled now; null when suppressed as a small cell (under XINYU_MIN_CELL, "
        "for viewers above the school)"
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
    size: int = Field(description="Students enrolled now")


class ClassPage(Page):
    items: list[ClassOut]


class StudentOut(Schema):
    """T1 roster fields. A plain teacher gets name and class only (the other fields are null)."""

    id: int
    name: str
    school_name: str | None
    school_class: ClassRef | None
    gender: str | None
    student_no: str | None = Field(
        description="学籍号; all but the last 4 characters masked unless you may read this student's T3 data"
    )
    student_no_masked: bool


class StudentPage(Page):
    items: list[StudentOut]


class EnrollmentOut(Schema):
    school_name: str
    school_class: ClassRef | None
    school_year: int
    grade: int
    status: str


class StudentDetailOut(StudentOut):
    age: int | None = Field(description="Full years today (full roster record)")
    birth_date: dt.date | None = Field(
        description="Null for a plain teacher and for a referred student's institution clinician (age only)"
    )
    enrollments: list[EnrollmentOut] = Field(
        description="History across years and schools (full roster record; never for an institution clinician)"
    )


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
    warnings: list[str]  # about the file (a column not imported, issue 18 build 5); no row is invalid by them
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


def _paged(qs: QuerySet, page: int, page_size: int) -> tuple[dict[str, int], list]:
    start = (page - 1) * page_size
    return {"count": qs.count(), "page": page, "page_size": page_size}, list(qs[start : start + page_size])


def _student_no(no: str, *, full: bool, unmasked: bool) -> str | None:
    if unmasked:
        return no
    return selectors.mask_student_no(no) if full else None


# --- routes -------------------------------------------------------------------------------------------------------

router = Router(tags=["roster"])


@router.get(
    "/schools", response=SchoolPage, url_name="api_school_list", summary="Schools in my scope (counts)"
)
@policy(Tier.T0, "school", "aggregates only; small cells suppressed above the school")
def list_schools(
    request: HttpRequest,
    q: str = Query("", max_length=100),
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(50, ge=1, le=MAX_PAGE_SIZE),
) -> dict:
    user = caller(request)
    meta, schools = _paged(selectors.school_rows(user, q=selectors.clean_query(q)), page, page_size)
    own = selectors.school_level_school_ids(user)
    items = [
        {
            "id": s.pk,
            "name": s.name,
            "code": s.code,
            "stage": s.stage,
            "stage_label": str(s.get_stage_display()),
            "is_multi_site": s.is_multi_site,
            "district": s.district,
            "campuses": s.campus_list,
            # T0: a small cell could single a child out (DESIGN.md, Access), except to the school's own staff.
            "students": None
            if s.pk not in own and s.student_count < selectors.min_cell()
            else s.student_count,
        }
        for s in schools
    ]
    return {**meta, "items": items}


@router.get(
    "/classes", response=ClassPage, url_name="api_class_list", summary="Classes whose roster I may see"
)
@policy(Tier.T1, "class", "own class, or every class under a school/district post")
def list_classes(
    request: HttpRequest,
    school_id: int | None = Query(None, ge=1, le=MAX_ID),
    q: str = Query("", max_length=100),
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(50, ge=1, le=MAX_PAGE_SIZE),
) -> dict:
    user = caller(request)
    rows = selectors.class_rows(user, q=selectors.clean_query(q), school_id=school_id)
    meta, classes = _paged(rows, page, page_size)
    items = [
        {
            "id": c.pk,
            "name": c.name,
            "grade": c.grade,
            "school": c.school,
            "campus": c.campus,
            "school_year": c.school_year.start_year,
            "class_teacher": str(c.class_teacher) if c.class_teacher else None,
            "size": c.size,
        }
        for c in classes
    ]
    return {**meta, "items": items}


@router.get("/students", response=StudentPage, url_name="api_student_list", summary="Students in my scope")
@policy(Tier.T1, "student", "roster rows; 学籍号 masked without T3; name and class only for a plain teacher")
def list_students(
    request: HttpRequest,
    q: str = Query(
        "", max_length=100, description="Part of a name, a whole 学籍号, or its last 4 characters"
    ),
    class_id: int | None = Query(None, ge=1, le=MAX_ID),
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(50, ge=1, le=MAX_PAGE_SIZE),
) -> dict:
    user = caller(request)
    q = selectors.clean_query(q)
    if class_id is not None and selectors.visible_class_or_none(user, class_id) is None:
        raise Http404
    wait = search_wait(request, q, via="api")  # throttled like the page (issue 19 finding 3)
    if wait:
        raise HttpError(429, f"Too many searches; retry after {wait} s")
    meta, students = _paged(selectors.student_rows(user, q=q, class_id=class_id), page, page_size)
    items = [
        {
            "id": s.pk,
            "name": s.name,
            "school_name": s.school_name,
            "school_class": {"id": s.class_id, "name": s.class_name, "grade": s.current_grade}
            if s.class_id
            else None,
            "gender": s.gender if s.full else None,
            "student_no": _student_no(s.student_no, full=s.full, unmasked=s.unmasked),
            "student_no_masked": not s.unmasked,
        }
        for s in students
    ]
    # Foundation issue, Audit: every look at the roster writes one event naming who was shown — an empty
    # answer too (a search is a look), as the pages do.
    audit.record(
        actor=user,
        action="student.list",
        request=request,
        detail={"ids": [i["id"] for i in items], "q": q, "class": class_id, "via": "api"},
    )
    return {**meta, "items": items}


@router.get(
    "/students/{student_id}", response=StudentDetailOut, url_name="api_student_detail", summary="One student"
)
@policy(Tier.T1, "student", "roster fields; a plain teacher gets name and class; audited as student.view")
def student_detail(request: HttpRequest, student_id: int = Path(..., ge=1, le=MAX_ID)) -> dict:
    user = caller(request)
    info = selectors.student_page(user, student_id)  # outside scope: 404
    student, current = info.student, info.current
    audit.record(
        actor=user,
        action="student.view",
        obj=student,
        student_id=student.pk,
        request=request,
        detail={"via": "api"},
    )
    return {
        "id": student.pk,
        "name": student.name,
        "school_name": current.school.name if current else None,
        "school_class": current.school_class if current else None,
        "gender": student.gender if info.full else None,
        # Need-to-know (issue 19 finding 11): the institution clinician gets the age, not the birth date, and no
        # enrollment history (info.detail is False for them; info.history stays empty).
        "age": info.age,
        "birth_date": student.birth_date if info.detail else None,
        "student_no": _student_no(student.student_no, full=info.full, unmasked=info.unmasked),
        "student_no_masked": not info.unmasked,
        "enrollments": [
            {
                "school_name": e.school.name,
                "school_class": e.school_class,
                "school_year": e.school_year.start_year,
                "grade": e.grade,
                "status": e.status,
            }
            for e in info.history
        ],
    }


@router.get(
    "/imports/{job_id}", response=ImportJobOut, url_name="api_import_detail", summary="A roster import"
)
@policy(Tier.T1, "job", "only a job the caller started, while they may still import at its node")
def import_detail(request: HttpRequest, job_id: int = Path(..., ge=1, le=MAX_ID)) -> dict:
    user = caller(request)
    job = ImportJob.objects.select_related("node").filter(pk=job_id, created_by=user).first()
    # Its error report quotes roster rows: gone with the right to import there.
    if job is None or not may(user, "roster.import", job.node):
        raise Http404
    return {
        **{f: getattr(job, f) for f in ImportJobOut.model_fields if f != "status_label"},
        "status_label": str(job.get_status_display()),
    }


api.add_router("", router)
api.add_router("", screening_router)  # issue 3: the screening flow
api.add_router("", care_router)  # issue 4: abnormality reports from the phone
# issue 7: supervision's dashboards router is added from supervision's AppConfig.ready() (the top layer; a
# static import here would make every lower app's tests that import this module depend on supervision).


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
