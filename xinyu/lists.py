"""Lists that tell the truth (issue 20 build 5): a page that shows only the first rows of a list says so —
"仅显示前 20 条，共 33 条" — and offers the rest ("显示全部", the same address with ``all=1``).

    part = first_rows(selectors.message_queue(user), request, 200)
    render(..., {"rows": part.rows, "rows_part": part})
    {% include "includes/list_more.html" with part=rows_part %}

Every list view that shows a slice goes through ``first_rows``; tests/test_issue20_lists.py finds the slices in the
views and selectors and fails on one that does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import HttpRequest

SHOW_ALL = "all"


@dataclass
class ListPart:
    rows: list
    total: int
    all_url: str

    @property
    def truncated(self) -> bool:
        return len(self.rows) < self.total

    @property
    def shown(self) -> int:
        return len(self.rows)


def shows_all(request: HttpRequest) -> bool:
    return request.GET.get(SHOW_ALL) == "1"


def all_url(request: HttpRequest) -> str:
    """This page's address with ``all=1`` (its other query parameters kept)."""
    query = request.GET.copy()
    query[SHOW_ALL] = "1"
    return f"{request.path}?{query.urlencode()}"


def first_rows(items: QuerySet | Sequence | Iterable, request: HttpRequest, limit: int) -> ListPart:
    """The first ``limit`` rows of ``items`` (all of them when the page was asked for ``all=1``) and how many there
    are: a query set is counted by the database (one query), a list by its length."""
    if isinstance(items, QuerySet):
        total = items.count()
        rows = list(items if shows_all(request) else items[:limit])
    else:
        everything = list(items)
        total = len(everything)
        rows = everything if shows_all(request) else everything[:limit]
    return ListPart(rows=rows, total=total, all_url=all_url(request))
