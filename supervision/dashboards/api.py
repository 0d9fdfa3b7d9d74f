"""Supervision dashboards in the JSON API (issue 7 deliverable 3): the same figures as the page, from the rollups
only, with suppressed cells as nulls. Who may call it and what each caller sees are the page's rules
(``supervision.dashboards.selectors``): another district's node is 404, a role that never sees dashboards 403."""

from __future__ import annotations

import datetime as dt
import json

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from access.api import MAX_ID, caller
from access.routes import policy
from access.tiers import Tier
from supervision.dashboards import selectors as sel
from supervision.indicators.rollup import version
from xinyu.db_router import use_replica

router = Router(tags=["supervision"])
_mounted = False


def mount() -> None:
    """Add this router to the site's API, once (from the app's ``ready()``: ``xinyu.api`` imports no
    supervision, so the lower apps' tests that import it do not depend on the top layer)."""
    global _mounted
    if not _mounted:
        from xinyu.api import api

        api.add_router("", router)
        _mounted = True


class NodeOut(Schema):
    id: int
    name: str
    kind: str


class PeriodOut(Schema):
    code: str = Field(description='"2026" school year, "2026-S1" semester, "2026-Q2" quarter')
    kind: str
    label: str
    starts_on: dt.date
    ends_on: dt.date


class FigureOut(Schema):
    node_id: int
    numerator: int | None = Field(description="null when suppressed (a small count above the school level)")
    denominator: int | None = Field(description="null when suppressed")
    share: float | None = Field(description="numerator / denominator; null when suppressed or no denominator")
    status: str | None = Field(description='"met", "near", "not_met", or null when there is nothing to judge')
    computed: bool = Field(description="false: no rollup stored yet for this node and period")


class IndicatorOut(Schema):
    code: str
    requirement: str
    name: str
    target: float
    direction: str
    sensitive: bool
    own: FigureOut
    children: list[FigureOut]


class GroupOut(Schema):
    key: str
    label: str
    indicators: list[IndicatorOut]


class DashboardOut(Schema):
    node: NodeOut
    period: PeriodOut
    computed_at: dt.datetime | None = Field(description="the oldest figure's computation time")
    suppressed: bool = Field(
        description="true: the caller is above the school; small sensitive cells are null"
    )
    children: list[NodeOut]
    groups: list[GroupOut]


def _figure(f: sel.Figure) -> dict:
    return {
        "node_id": f.node_id, "numerator": f.numerator, "denominator": f.denominator, "share": f.share,
        "status": f.status, "computed": f.computed,
    }  # fmt: skip


@router.get(
    "/supervision/dashboard",
    response=DashboardOut,
    url_name="api_supervision_dashboard",
    summary="A node's indicator figures for a period, with its children's (rollups)",
)
@policy(Tier.T0, "node", "aggregates only; sensitive cells under XINYU_MIN_CELL null above the school")
def dashboard(
    request: HttpRequest,
    node: int | None = Query(None, ge=1, le=MAX_ID, description="default: the caller's top node"),
    period: str = Query("", max_length=20, description="a period code; default: the current semester"),
) -> HttpResponse:
    user = caller(request)
    if not sel.may_use(user):
        raise HttpError(403, "Forbidden")
    if node is None:
        roots = sel.dashboard_roots(user)
        if not roots:
            raise HttpError(403, "Forbidden")
        target = roots[0]
    else:
        target = sel.node_or_404(user, node)
    per = sel.period_or_404(period) if period else sel.default_period()
    if per is None:
        raise HttpError(404, "No period")
    # Figures change only when a rollup writes values, so the answer is cached per rollup version, node, period,
    # language and whether the caller sees raw or suppressed figures (the only things it depends on once the
    # caller may open the node, checked above). 20 users on 2 cores: docs/performance.md.
    # What is cached is the validated, serialised answer: on a hit nothing is built or validated again (the
    # schema check of ~400 figures was two thirds of a request's time).
    key = f"supervision:api:{version()}:{target.pk}:{per.code}:{int(sel.sees_raw(user, target))}:{get_language()}"
    body = cache.get(key)
    if body is None:
        out = DashboardOut.model_validate(_dashboard_data(user, target, per))
        body = json.dumps(out.model_dump(mode="json"), ensure_ascii=False).encode()
        cache.set(key, body, 3600)
    return HttpResponse(body, content_type="application/json; charset=utf-8")


def _dashboard_data(user, target, per) -> dict:
    with use_replica():
        dash = sel.node_dashboard(user, target, per, with_details=False)
    return {
        "node": {"id": target.pk, "name": target.name, "kind": target.kind},
        "period": {"code": per.code, "kind": per.kind, "label": per.label, "starts_on": per.starts_on,
                   "ends_on": per.ends_on},
        "computed_at": dash.computed_at,
        "suppressed": not dash.raw,
        "children": [{"id": c.pk, "name": c.name, "kind": c.kind} for c in dash.children],
        "groups": [
            {
                "key": g.key,
                "label": g.label,
                "indicators": [
                    {
                        "code": r.indicator.code, "requirement": r.indicator.requirement,
                        "name": str(r.indicator.name), "target": r.indicator.target,
                        "direction": r.indicator.direction, "sensitive": r.indicator.sensitive,
                        "own": _figure(r.own), "children": [_figure(f) for f in r.children],
                    }
                    for r in g.rows
                ],
            }
            for g in dash.groups
        ],
    }  # fmt: skip
