"""Supervision dashboards (督导看板, R18; issue 7 deliverable 3): city → district → school drill-down per period, the
trend of one indicator over semesters, the Excel download and the printable PDF report, and the recompute
button of the administrators. Thin: the figures come from ``supervision.dashboards.selectors`` (rollups only)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access.routes import policy
from access.tiers import Tier
from supervision.dashboards import exports
from supervision.dashboards import selectors as sel
from supervision.indicators import catalogue
from supervision.indicators.models import DirtyNode
from xinyu.converters import id_or_zero
from xinyu.db_router import use_replica

NOTE = "aggregates only (rollups); sensitive cells under XINYU_MIN_CELL suppressed above the school"


def freshen() -> None:
    """Embedded mode (Celery eager, no beat): bring the marked schools up to date before showing figures, so
    ``make run`` shows fresh numbers. With workers, Celery beat does this every few minutes."""
    if settings.CELERY_TASK_ALWAYS_EAGER and DirtyNode.objects.exists():
        from supervision.indicators.rollup import run_incremental

        run_incremental()


@login_required
@policy(Tier.T0, "node", "the viewer's top node and the current semester")
def index(request: HttpRequest) -> HttpResponse:
    sel.require_viewer(request.user)
    node_pk, code = request.GET.get("node", ""), request.GET.get("period", "")
    if id_or_zero(node_pk) and code:  # the period switcher (a GET form: works without JavaScript)
        target = sel.node_or_404(request.user, id_or_zero(node_pk))
        return redirect("supervision:dashboard", node=target.pk, period=sel.period_or_404(code[:20]).code)
    roots = sel.dashboard_roots(request.user)
    period = sel.default_period()
    if period is None or not roots:
        return render(request, "supervision/dashboard_none.html", {"roots": roots})
    if len(roots) == 1:
        return redirect("supervision:dashboard", node=roots[0].pk, period=period.code)
    return render(request, "supervision/dashboard_none.html", {"roots": roots, "period": period})


def _chart_data(dash: sel.Dashboard) -> list[dict]:
    """One bar chart per indicator over the children (shares in %, null where suppressed or not computed)."""
    charts = []
    for row in dash.rows:
        if not row.children:
            continue
        charts.append(
            {
                "key": row.indicator.code,
                "categories": [f.name for f in row.children],
                "values": [None if f.share is None else round(f.share * 100, 1) for f in row.children],
                "target": round(row.indicator.target * 100, 1),
                "label": str(row.indicator.name),
                "target_label": _("Target"),
            }
        )
    return charts


@login_required
@policy(Tier.T0, "node", NOTE)
def dashboard(request: HttpRequest, node: int, period: str) -> HttpResponse:
    target = sel.node_or_404(request.user, node)
    per = sel.period_or_404(period)
    freshen()
    with use_replica():
        dash = sel.node_dashboard(request.user, target, per)
        context = {
            "dash": dash,
            "crumbs": sel.ancestors(request.user, target),
            "periods": sel.all_periods(),
            "charts": _chart_data(dash),
            "may_recompute": sel.may_recompute(request.user),
            "running": sel.running_full() if sel.may_recompute(request.user) else None,
            "min_cell": settings.XINYU_MIN_CELL,
        }
    return render(request, "supervision/dashboard.html", context)


@login_required
@policy(Tier.T0, "node", NOTE)
def trend(request: HttpRequest, node: int, indicator: str) -> HttpResponse:
    target = sel.node_or_404(request.user, node)
    try:
        ind = catalogue.get(indicator)
    except KeyError:
        raise Http404 from None
    freshen()
    with use_replica():
        points = sel.trend(request.user, target, ind)
        crumbs = sel.ancestors(request.user, target)
    chart = {
        "key": ind.code,
        "categories": [p.period.label for p in points],
        "values": [
            None if p.figure is None or p.figure.share is None else round(p.figure.share * 100, 1)
            for p in points
        ],
        "target": round(ind.target * 100, 1),
        "label": str(ind.name),
        "target_label": _("Target"),
    }
    back = sel.default_period()
    return render(
        request,
        "supervision/dashboard_trend.html",
        {
            "node": target,
            "indicator": ind,
            "points": points,
            "crumbs": crumbs,
            "chart": chart,
            "charts": [chart],
            "back": back,
            "min_cell": settings.XINYU_MIN_CELL,
        },  # fmt: skip
    )


@login_required
@policy(Tier.T0, "node", "the dashboard as Excel: same figures and suppression as the page")
def export_xlsx(request: HttpRequest, node: int, period: str) -> HttpResponse:
    target = sel.node_or_404(request.user, node)
    per = sel.period_or_404(period)
    with use_replica():
        dash = sel.node_dashboard(request.user, target, per, with_details=False)
        return exports.dashboard_xlsx(dash)


@login_required
@policy(Tier.T0, "node", "printable report for inspections: same figures and suppression as the page")
def export_pdf(request: HttpRequest, node: int, period: str) -> HttpResponse:
    target = sel.node_or_404(request.user, node)
    per = sel.period_or_404(period)
    with use_replica():
        dash = sel.node_dashboard(request.user, target, per)
        data = exports.dashboard_pdf(dash)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="supervision-{target.code}-{per.code}.pdf"'
    return response


@login_required
@require_POST
@policy(None, "job", "city and district admins queue a full rollup; no one's data")
def recompute(request: HttpRequest) -> HttpResponse:
    sel.require_viewer(request.user)
    if not sel.may_recompute(request.user):
        raise PermissionDenied
    from supervision.indicators.tasks import rollup_full

    if sel.running_full() is None:
        rollup_full.delay()  # eager in the embedded default: done by the time the page reloads
        messages.success(request, _("A full recomputation of the figures has been queued."))
    else:
        messages.info(request, _("A full recomputation is already running."))
    back = request.POST.get("next", "")
    if not back.startswith("/supervision/"):
        back = reverse("supervision:index")
    return redirect(back)
