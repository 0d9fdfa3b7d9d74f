"""The school calendar and the year rollover as people use them (issue 18, builds 3 and 4): the policy asked,
the org services called, every change audited. The demo and commands call ``org.calendar.services`` and
``org.rollover.services`` directly.

The rollover runs in the background (a thread with Celery eager, as roster imports do; ``ROLLOVER_INLINE`` runs
it in-line, for tests) and reports progress through the cache."""

from __future__ import annotations

import datetime as dt
import threading

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import close_old_connections, connections, transaction
from django.http import Http404, HttpRequest

from access import audit
from access.policy import may
from org.calendar import services as calendar
from org.models import Node, NodeKind, RolloverPlan, RolloverStatus, SchoolYear, Semester, User
from org.rollover import services as rollover

PROGRESS_TTL = 3600


def _require(user: User, action: str, node: Node | None = None) -> None:
    if not may(user, action, node):
        raise PermissionDenied


def may_keep_years(user: User) -> bool:
    """The city's years, or a district's semesters: who may set up a school year and load the national days."""
    return may(user, "calendar.year") or may(user, "calendar.semester")


def semester_nodes(user: User) -> list[Node]:
    """Where ``user`` sets semester dates: the city (``calendar.year``) and the districts they keep
    (``calendar.semester``: a district administrator's own district; the city administrator's, every district)."""
    from access.policy import action_nodes

    if user.is_superuser:
        return list(Node.objects.filter(kind__in=[NodeKind.CITY, NodeKind.DISTRICT], closed_on__isnull=True))
    out: dict[int, Node] = {}
    if may(user, "calendar.year"):
        for n in action_nodes(user, "calendar.year"):
            out.setdefault(n.pk, n)
    for n in action_nodes(user, "calendar.semester"):
        under = Node.objects.subtree(n).filter(kind=NodeKind.DISTRICT, closed_on__isnull=True)
        for d in under:
            out.setdefault(d.pk, d)
    return sorted(out.values(), key=lambda n: n.path)


def semester_node_or_404(user: User, pk: int | None) -> Node:
    node = next((n for n in semester_nodes(user) if n.pk == pk), None)
    if node is None:
        raise Http404
    return node


def set_up_year(*, user: User, start_year: int, request: HttpRequest | None = None) -> SchoolYear:
    """A school year in the usual shape. A district administrator may set up a year the city has not set up yet
    (on a new installation the district comes first); a year set up is changed by the city only."""
    if not may_keep_years(user):
        raise PermissionDenied
    with transaction.atomic():
        year = calendar.set_up_year(start_year=start_year)
        audit.record(
            actor=user, action="org.calendar.year", obj=year, request=request, detail={"set_up": True}
        )
    return year


def create_school_year(
    *, user: User, start_year: int, starts_on: dt.date, ends_on: dt.date, request: HttpRequest | None = None
) -> SchoolYear:
    _require(user, "calendar.year")
    with transaction.atomic():
        year = calendar.create_school_year(start_year=start_year, starts_on=starts_on, ends_on=ends_on)
        audit.record(actor=user, action="org.calendar.year", obj=year, request=request)
    return year


def save_semester(
    *,
    user: User,
    school_year: SchoolYear,
    term: int,
    starts_on: dt.date,
    ends_on: dt.date,
    district: Node | None = None,
    request: HttpRequest | None = None,
) -> Semester:
    """The city's semester (``district`` None or the city: the city administrator) or a district's own dates
    (``calendar.semester`` at the district: never the city's)."""
    if district is not None and district.kind == NodeKind.CITY:
        district = None
    if district is None:
        _require(user, "calendar.year")
    elif district.kind != NodeKind.DISTRICT or not may(user, "calendar.semester", district):
        raise PermissionDenied
    with transaction.atomic():
        sem = calendar.save_semester(
            school_year=school_year,
            term=term,
            starts_on=starts_on,
            ends_on=ends_on,
            district=district,
            by=user,
        )
        audit.record(
            actor=user,
            action="org.calendar.semester",
            obj=district or sem,
            request=request,
            detail={
                "semester": sem.pk,
                "term": term,
                "district": district.pk if district else None,
                "starts_on": starts_on.isoformat(),
                "ends_on": ends_on.isoformat(),
            },
        )
    return sem


def follow_city_semester(
    *, user: User, district: Node, semester: Semester, request: HttpRequest | None = None
) -> bool:
    """Drop a district's own dates for ``semester``: the city's hold there again."""
    if district.kind != NodeKind.DISTRICT or not may(user, "calendar.semester", district):
        raise PermissionDenied
    with transaction.atomic():
        dropped = calendar.follow_city_semester(semester=semester, district=district)
        if dropped:
            audit.record(
                actor=user,
                action="org.calendar.semester",
                obj=district,
                request=request,
                detail={"semester": semester.pk, "district": district.pk, "follows_city": True},
            )
    return dropped


def load_national(*, user: User, request: HttpRequest | None = None) -> tuple[int, int]:
    """The national days from the ``chinesecalendar`` package (nothing chosen by the person; days edited kept)."""
    if not may_keep_years(user):
        raise PermissionDenied
    with transaction.atomic():
        created, updated = calendar.load_national_holidays()
        audit.record(
            actor=user,
            action="org.calendar.load",
            request=request,
            detail={"created": created, "updated": updated},
        )
    return created, updated


def set_days(
    *,
    user: User,
    node: Node | None,
    first: dt.date,
    last: dt.date | None,
    kind: str,
    name: str,
    request: HttpRequest | None = None,
) -> int:
    """A node's own days: the national ones (``node`` None or the city) only by a city administrator."""
    if node is None or node.kind == NodeKind.CITY:
        if not may(user, "calendar.year") or not any(n.kind == NodeKind.CITY for n in editable_nodes(user)):
            raise PermissionDenied
    else:
        _require(user, "calendar.edit", node)
    with transaction.atomic():
        n = calendar.set_days(node=node, first=first, last=last, kind=kind, name=name, by=user)
        audit.record(
            actor=user,
            action="org.calendar.days",
            obj=node,
            request=request,
            detail={"first": first.isoformat(), "last": (last or first).isoformat(), "kind": kind, "days": n},
        )
    return n


def editable_nodes(user: User) -> list[Node]:
    """The nodes whose own calendar days ``user`` keeps (their posts' nodes; a superuser: the cities)."""
    from access.policy import action_nodes

    if user.is_superuser:
        return list(Node.objects.filter(kind=NodeKind.CITY))
    seen: dict[int, Node] = {}
    for node in action_nodes(user, "calendar.edit"):
        seen.setdefault(node.pk, node)
    return sorted(seen.values(), key=lambda n: n.path)


# --- the year rollover ---------------------------------------------------------------------------------------


def rollover_schools(user: User) -> list[Node]:
    """The schools whose rollover ``user`` may run."""
    from access.policy import action_nodes

    nodes = (
        list(Node.objects.filter(kind=NodeKind.CITY))
        if user.is_superuser
        else action_nodes(user, "rollover.run")
    )
    if not nodes:
        return []
    from django.db.models import Q

    q = Q()
    for n in nodes:
        q |= Q(path__startswith=n.path)
    return list(Node.objects.schools().filter(q).order_by("path"))


def stage_rollover(*, user: User, school: Node, request: HttpRequest | None = None) -> RolloverPlan:
    _require(user, "rollover.run", school)
    with transaction.atomic():
        plan = rollover.stage(school=school, by=user)
        audit.record(actor=user, action="org.rollover.stage", obj=plan, request=request, detail=plan.counts)
    return plan


def discard_rollover(*, user: User, plan: RolloverPlan, request: HttpRequest | None = None) -> None:
    _require(user, "rollover.run", plan.school)
    with transaction.atomic():
        rollover.discard(plan=plan, by=user)
        audit.record(actor=user, action="org.rollover.discard", obj=plan, request=request)


def progress_key(plan_id: int) -> str:
    return f"org:rollover:{plan_id}:progress"


def progress_of(plan: RolloverPlan) -> dict:
    state = cache.get(progress_key(plan.pk)) if plan.status == RolloverStatus.STAGED else None
    if state is None:
        state = {"percent": plan.percent, "rows": plan.processed, "running": False}
    state["finished"] = plan.status != RolloverStatus.STAGED or not state.get("running")
    return state


def _run(plan_id: int, user_id: int) -> None:
    plan = RolloverPlan.objects.get(pk=plan_id)
    user = User.objects.get(pk=user_id)

    def report(done: int, total: int) -> None:
        percent = int(100 * done / total) if total else 100
        cache.set(progress_key(plan_id), {"percent": percent, "rows": done, "running": True}, PROGRESS_TTL)

    try:
        with transaction.atomic():
            done = rollover.confirm(plan=plan, by=user, progress=report)
            audit.record(
                actor=user, action="org.rollover.confirm", obj=done, detail=done.counts.get("done", {})
            )
    finally:
        cache.delete(progress_key(plan_id))


def confirm_rollover(*, user: User, plan: RolloverPlan, request: HttpRequest | None = None) -> None:
    """Start the staged rollover. A rollover already done is refused at once (``RolloverError``)."""
    _require(user, "rollover.run", plan.school)
    if plan.status != RolloverStatus.STAGED:
        rollover.confirm(plan=plan, by=user)  # raises the reason (done already / discarded); changes nothing
    cache.set(progress_key(plan.pk), {"percent": 0, "rows": 0, "running": True}, PROGRESS_TTL)
    if getattr(settings, "ROLLOVER_INLINE", False) or not settings.CELERY_TASK_ALWAYS_EAGER:
        # Without eager Celery there is a worker, but the rollover is one transaction the page waits on anyway.
        _run(plan.pk, user.pk)
        return

    def target() -> None:
        close_old_connections()
        try:
            _run(plan.pk, user.pk)
        except rollover.RolloverError:
            pass  # a second click while the first ran: the page shows the first one's result
        finally:
            connections.close_all()

    threading.Thread(target=target, name=f"rollover-{plan.pk}", daemon=True).start()
