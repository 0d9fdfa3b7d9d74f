"""The daily board on the home page of district and city officers (今日待办, issue 20 build 2): one card with a
count per item, each opening its drill-down. Nothing for anyone else (no query: the posts are already read)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from access.disclosure import min_cell
from supervision.daily.selectors import board_root, daily_board
from xinyu.web.home import Card, Figure, register_card


def daily_card(request: HttpRequest) -> Card | None:
    if board_root(request.user) is None:
        return None
    board = daily_board(request.user, with_links=False)
    # Counts about students are audited (access.disclosure): the card always says how a small one reads.
    if board.by_district:
        note = _(
            "Across the districts of %(node)s, counts only; counts about students under %(k)s read “<%(k)s”."
        )
    else:
        note = _("Across the schools of %(node)s; counts about students under %(k)s read “<%(k)s”.")
    note = note % {"node": board.root.name, "k": min_cell()}
    return Card(
        title=_("Needs attention today"),
        note=note,
        figures=[
            Figure(str(line.item.label), line.text, url=line.url, attention=line.needs_attention)
            for line in board.lines
        ],
        order=1,
        key="daily",
    )


def register() -> None:
    register_card(daily_card)
