"""今日待办 — the drill-down of one item of the daily board (issue 20 build 2): the count per school (a district
officer) or per district (a city officer). Thin: the counts come from ``supervision.daily.selectors``."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from access.routes import policy
from access.tiers import Tier
from supervision.daily import selectors as sel


@login_required
@policy(Tier.T0, "node", "counts per school (district) or per district (city); sensitive counts audited")
def daily_item(request: HttpRequest, item: str) -> HttpResponse:
    if sel.board_root(request.user) is None:
        raise PermissionDenied
    if item not in sel.ITEM_BY_KEY:
        raise Http404
    board = sel.daily_board(request.user)
    line = board.line(item)
    more = {
        "approvals_waiting": reverse("supervision:approval"),
        "campaigns_behind": reverse("screening:coverage_list"),
    }.get(item, "")
    return render(
        request,
        "supervision/daily_item.html",
        {"board": board, "line": line, "more": more, "min_cell": settings.XINYU_MIN_CELL},
    )
