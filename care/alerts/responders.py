"""Is anyone there to answer a child now? (issue 15 Build 2: "Nobody at risk waits for a closed school"; R4.2,
R5.1, DESIGN.md risk levels)

One test, used twice: by ``screening`` before it opens a questionnaire with critical items (suicide-risk
questions), and by ``care.alerts.services.raise_alert`` to choose an alert's route.

A responder is available at a school at a moment when **both**

- it is school time: a school day of the school's calendar (``org.calendar.selectors``: Monday–Friday and 调休
  working days, less national, district and school holidays) within ``XINYU_SCHOOL_DAY`` (08:00–17:30 Asia/Shanghai), **and**
- a psychological teacher is on duty: one on the school's counseling-room duty roster at that moment. A school
  that keeps **no roster at all** (no duty shift valid that day in any of its rooms) counts its psychological
  teachers in post (at the school or one of its campuses) as present during school time — they work there;
  a school with a roster is held to it.

Who is on duty is known to ``counseling`` (room rosters, the district centre's roster), a higher layer; it
registers a :class:`DutyProvider` here in its ``AppConfig.ready()``. Without one (counseling not installed), no
school keeps a roster and no district counselor is on duty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from care.alerts import deadlines
from org.models import Node, NodeKind, Post, Role, User


@dataclass(frozen=True)
class DutyProvider:
    """What ``counseling`` tells care (registered in ``CounselingConfig.ready()``).

    - ``school_on_duty(school, at)``: the psychological teachers on the school's counseling-room duty roster at
      ``at`` (a list, maybe empty), or ``None`` when the school keeps no roster at all that day;
    - ``district_on_duty(district, at)``: the district counselors on the centre's duty roster at ``at``;
    - ``district_lines(node)``: the district's own help lines ``[{"number", "name"}]`` for a node in it (the
      national lines are added by :func:`crisis_lines`).
    """

    school_on_duty: Callable[[Node, dt.datetime], list[User] | None]
    district_on_duty: Callable[[Node, dt.datetime], list[User]]
    district_lines: Callable[[Node], list[dict]]


_provider: DutyProvider | None = None


def register_duty_provider(provider: DutyProvider) -> None:
    global _provider
    _provider = provider


def in_school_hours(
    at: dt.datetime, calendar: deadlines.SchoolCalendar | None = None, node: Node | None = None
) -> bool:
    """Is ``at`` school time at ``node`` (a school day of its calendar, within the school day's hours)?"""
    local = timezone.localtime(at)
    opens, closes = deadlines.school_day_hours()
    if not opens <= local.time() < closes:
        return False
    calendar = calendar or deadlines.SchoolCalendar(local.date(), days=1, node=node)
    return calendar.is_school_day(local.date())


def psych_teachers_in_post(school: Node, on: dt.date | None = None) -> list[User]:
    """The psychological teachers in post at ``school`` or at one of its campuses."""
    ids = (
        Post.objects.active(on)
        .filter(role=Role.PSYCH_TEACHER, node__path__startswith=school.path)
        .values("user_id")
    )
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def school_responders(
    school: Node, at: dt.datetime, calendar: deadlines.SchoolCalendar | None = None
) -> list[User]:
    """The psychological teachers who can answer for ``school`` at ``at`` (empty outside school time)."""
    if not in_school_hours(at, calendar, school):
        return []
    roster = _provider.school_on_duty(school, at) if _provider else None
    if roster is None:  # the school keeps no roster: its psychological teachers in post are there
        return psych_teachers_in_post(
            school
        )  # in post today, as the alert's recipients (care.alerts.services)
    return roster


def responder_available(
    school: Node, at: dt.datetime | None = None, calendar: deadlines.SchoolCalendar | None = None
) -> bool:
    """The window rule of critical questionnaires and the route rule of alerts (see the module's docstring)."""
    return bool(school_responders(school, at or timezone.now(), calendar))


def district_of(node: Node) -> Node | None:
    if node.kind == NodeKind.DISTRICT:
        return node
    return node.district if node.district_id else None


def district_on_duty(district: Node, at: dt.datetime) -> list[User]:
    """The district counselors on the district centre's duty roster at ``at``."""
    return _provider.district_on_duty(district, at) if _provider else []


def crisis_lines(node: Node | None) -> list[dict]:
    """The help lines a student is shown at once (instruments.md: crisis resources for every student): the
    national lines of ``settings.XINYU_HOTLINES`` (12356, 12355) and the district's own lines, no number twice."""
    lines = [{"number": n, "name": gettext(label)} for n, label in getattr(settings, "XINYU_HOTLINES", [])]
    if node is not None and _provider is not None:
        lines += _provider.district_lines(node)
    seen: set[str] = set()
    out = []
    for line in lines:
        if line.get("number") and line["number"] not in seen:
            seen.add(line["number"])
            out.append({"number": line["number"], "name": line.get("name", "")})
    return out
