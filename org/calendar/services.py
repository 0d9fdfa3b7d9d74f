"""Writes of the school calendar (校历): school years, semesters, the national holidays and a node's own days.

Keyword-only and typed; each one transaction. Who may call them is the caller's business (org is the lowest
layer: the pages in ``xinyu.web.calendar`` ask ``access.policy`` and audit). Bad input raises
``CalendarError`` with a message for people and changes nothing.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar
from chinese_calendar.constants import Holiday
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from org.calendar.models import CalendarDay, DayKind, DistrictSemester
from org.calendar.selectors import semesters_of
from org.models import Node, NodeKind, SchoolYear, Semester, User

ONE_DAY = dt.timedelta(days=1)
# The package names holidays in English; a school writes them in Chinese.
_CHINESE = {h.value: h.chinese for h in Holiday}


class CalendarError(ValueError):
    """Bad calendar input: the message says what to correct; nothing was changed."""


def national_years() -> range:
    """The years the installed ``chinesecalendar`` knows the State Council's arrangements for."""
    days = list(chinese_calendar.holidays)
    return range(min(days).year, max(days).year + 1)


def load_national_holidays(*, years: list[int] | None = None) -> tuple[int, int]:
    """Fill the national calendar (``CalendarDay`` without a node) from ``chinesecalendar``: public holidays
    on weekdays and at weekends, and the weekend days worked in exchange (调休). Idempotent; days a person
    edited are kept. Returns (created, updated)."""
    known = national_years()
    years = [y for y in (years or list(known)) if y in known]
    wanted: dict[dt.date, tuple[str, str]] = {}
    for day, name in chinese_calendar.holidays.items():
        if day.year in years and name:  # weekends without a festival are ordinary weekends
            wanted[day] = (DayKind.HOLIDAY, _CHINESE.get(name, name))
    for day, name in chinese_calendar.workdays.items():
        if day.year in years and name and day.weekday() >= 5:
            wanted[day] = (DayKind.WORKDAY, _("%(name)s make-up day") % {"name": _CHINESE.get(name, name)})
    created = updated = 0
    with transaction.atomic():
        have = {r.date: r for r in CalendarDay.objects.filter(node__isnull=True, date__in=list(wanted))}
        new = []
        for day, (kind, name) in sorted(wanted.items()):
            row = have.get(day)
            if row is None:
                new.append(CalendarDay(node=None, date=day, kind=kind, name=name[:40]))
            elif row.edited_by_id is None and (row.kind, row.name) != (kind, name[:40]):
                row.kind, row.name = kind, name[:40]
                row.save(update_fields=["kind", "name"])
                updated += 1
        CalendarDay.objects.bulk_create(new)
        created = len(new)
    return created, updated


def set_days(
    *,
    node: Node | None,
    first: dt.date,
    last: dt.date | None = None,
    kind: str,
    name: str = "",
    by: User | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Say what the days ``first``..``last`` are at ``node`` (``None``: the national calendar): ``kind``
    "holiday", "workday", "exam", or "" to remove the node's own word (the level above holds again). A district
    or city node, a school or a campus. Returns the number of days written or cleared."""
    last = last or first
    if last < first:
        raise CalendarError(_("The last day comes before the first."))
    if (last - first).days > 62:
        raise CalendarError(_("Give at most two months at a time."))
    if node is not None and node.kind not in (
        NodeKind.CITY,
        NodeKind.DISTRICT,
        NodeKind.SCHOOL,
        NodeKind.CAMPUS,
    ):
        raise CalendarError(_("A calendar is kept for the city, a district, a school or a campus."))
    if kind and kind not in DayKind.values:
        raise CalendarError(
            _("Choose a public holiday, a make-up working day, an exam day or an ordinary day.")
        )
    name = (name or "").strip()[:40]
    if kind and not name:
        raise CalendarError(_("Give the day a name, e.g. 国庆节."))
    if node is not None and node.kind == NodeKind.CITY:
        node = None  # the city's calendar is the national one
    now = now or timezone.now()
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    with transaction.atomic():
        own = CalendarDay.objects.filter(date__in=days)
        own = own.filter(node__isnull=True) if node is None else own.filter(node=node)
        if not kind:
            n, _rows = own.delete()
            return n
        own.delete()
        CalendarDay.objects.bulk_create(
            CalendarDay(node=node, date=d, kind=kind, name=name, edited_by=by, edited_at=now) for d in days
        )
    return len(days)


# --- school years and semesters -------------------------------------------------------------------------------


def create_school_year(
    *, start_year: int, starts_on: dt.date | None = None, ends_on: dt.date | None = None
) -> SchoolYear:
    """学年: 1 September to 31 August unless given. A year already set up is refused."""
    starts_on = starts_on or dt.date(start_year, 9, 1)
    ends_on = ends_on or dt.date(start_year + 1, 8, 31)
    if not 2000 <= start_year <= 2100:
        raise CalendarError(_("Give the school year as the year it starts, e.g. 2026."))
    if ends_on <= starts_on:
        raise CalendarError(_("The school year must end after it starts."))
    if starts_on.year != start_year:
        raise CalendarError(_("The school year %(year)s must start in %(year)s.") % {"year": start_year})
    with transaction.atomic():
        if SchoolYear.objects.filter(start_year=start_year).exists():
            raise CalendarError(_("The school year %(year)s is already set up.") % {"year": start_year})
        clash = SchoolYear.objects.filter(starts_on__lte=ends_on, ends_on__gte=starts_on).first()
        if clash is not None:
            raise CalendarError(_("These dates overlap the school year %(other)s.") % {"other": clash})
        return SchoolYear.objects.create(start_year=start_year, starts_on=starts_on, ends_on=ends_on)


def _refuse_clash(
    held: list[Semester],
    school_year: SchoolYear,
    term: int,
    starts_on: dt.date,
    ends_on: dt.date,
    where: str = "",
) -> None:
    """Refuse dates for ``school_year``'s ``term`` that overlap another semester of ``held`` (the semesters as they
    hold at one place) or put the spring before the autumn."""
    others = [s for s in held if not (s.school_year_id == school_year.pk and s.term == term)]
    clash = next((s for s in others if s.starts_on <= ends_on and s.ends_on >= starts_on), None)
    if clash is not None:
        raise CalendarError(
            _("These dates overlap the semester %(other)s (%(start)s to %(end)s)%(where)s.")
            % {"other": clash, "start": clash.starts_on, "end": clash.ends_on, "where": where}
        )
    order = next((s for s in others if s.school_year_id == school_year.pk), None)
    if order is not None and (term == 1) != (starts_on < order.starts_on):
        raise CalendarError(_("The autumn semester comes before the spring semester."))


def _check_dates(school_year: SchoolYear, term: int, starts_on: dt.date, ends_on: dt.date) -> None:
    if term not in (1, 2):
        raise CalendarError(_("A semester is the autumn (1) or the spring (2) semester."))
    if ends_on <= starts_on:
        raise CalendarError(_("The semester must end after it starts."))
    if starts_on < school_year.starts_on or ends_on > school_year.ends_on:
        raise CalendarError(
            _("The semester must lie inside the school year %(year)s (%(start)s to %(end)s).")
            % {"year": school_year, "start": school_year.starts_on, "end": school_year.ends_on}
        )


def save_semester(
    *,
    school_year: SchoolYear,
    term: int,
    starts_on: dt.date,
    ends_on: dt.date,
    teaching_weeks: int | None = None,
    district: Node | None = None,
    by: User | None = None,
) -> Semester:
    """学期: add the autumn (1) or spring (2) semester of ``school_year``, or change its dates — the city's (``district``
    None: every district without dates of its own follows) or ``district``'s own (the city's semester must exist).
    A semester outside its year, or overlapping another where it holds, is refused with nothing changed."""
    _check_dates(school_year, term, starts_on, ends_on)
    weeks = teaching_weeks or round(((ends_on - starts_on).days + 1) / 7)
    with transaction.atomic():
        SchoolYear.objects.select_for_update().filter(pk=school_year.pk).first()
        if district is not None:
            return _save_district_semester(school_year, term, starts_on, ends_on, weeks, district, by)
        _refuse_clash(semesters_of(None), school_year, term, starts_on, ends_on)
        # A district that keeps the city's dates for this semester but its own for another must not be left with
        # two semesters overlapping.
        own_elsewhere = (
            DistrictSemester.objects.exclude(semester__school_year=school_year, semester__term=term)
            .exclude(
                district__in=DistrictSemester.objects.filter(
                    semester__school_year=school_year, semester__term=term
                ).values("district")
            )
            .select_related("district")
        )
        for d in {row.district_id: row.district for row in own_elsewhere}.values():
            where = _(" as %(district)s keeps it") % {"district": d}
            _refuse_clash(semesters_of(d), school_year, term, starts_on, ends_on, where)
        sem, _created = Semester.objects.update_or_create(
            school_year=school_year,
            term=term,
            defaults={"starts_on": starts_on, "ends_on": ends_on, "teaching_weeks": weeks},
        )
    return sem


def _save_district_semester(
    school_year: SchoolYear,
    term: int,
    starts_on: dt.date,
    ends_on: dt.date,
    weeks: int,
    district: Node,
    by: User | None,
) -> Semester:
    if district.kind != NodeKind.DISTRICT:
        raise CalendarError(_("A district keeps its own semester dates; a school follows its district."))
    sem = Semester.objects.filter(school_year=school_year, term=term).first()
    if sem is None:
        raise CalendarError(
            _("The city has not set up this semester of %(year)s yet; set up the school year first.")
            % {"year": school_year}
        )
    _refuse_clash(semesters_of(district), school_year, term, starts_on, ends_on)
    DistrictSemester.objects.update_or_create(
        semester=sem,
        district=district,
        defaults={
            "starts_on": starts_on,
            "ends_on": ends_on,
            "teaching_weeks": weeks,
            "edited_by": by,
            "edited_at": timezone.now(),
        },
    )
    return next(s for s in semesters_of(district, year=school_year) if s.pk == sem.pk)


def follow_city_semester(*, semester: Semester, district: Node) -> bool:
    """Drop ``district``'s own dates for ``semester``: the city's hold there again. Refused when the city's dates
    would overlap another semester the district keeps its own dates for. Returns whether there was a row."""
    with transaction.atomic():
        own = DistrictSemester.objects.select_for_update().filter(semester_id=semester.pk, district=district)
        if not own.exists():
            return False
        city = Semester.objects.select_related("school_year").get(pk=semester.pk)
        held = [s for s in semesters_of(district) if s.pk != city.pk]
        where = _(" as %(district)s keeps it") % {"district": district}
        _refuse_clash(held, city.school_year, city.term, city.starts_on, city.ends_on, where)
        own.delete()
    return True


def set_up_year(*, start_year: int) -> SchoolYear:
    """Set up a whole school year the usual Beijing way (1 September – 31 August; autumn to mid-January, spring
    from late February to early July) and load the national holidays of its two calendar years. Used by the
    "set up the school year" button and the demo; a year already set up is refused."""
    from org.demo.calendar import school_year_terms  # the usual shape lives with the demo city

    starts, ends, terms = school_year_terms(start_year)
    with transaction.atomic():
        year = create_school_year(start_year=start_year, starts_on=starts, ends_on=ends)
        for t in terms:
            sem = save_semester(
                school_year=year,
                term=t.term,
                starts_on=t.starts_on,
                ends_on=t.ends_on,
                teaching_weeks=t.teaching_weeks,
            )
            sem.calendar = [
                e for e in t.calendar if e["kind"] == "exam"
            ]  # the holidays come from CalendarDay
            sem.save(update_fields=["calendar"])
        load_national_holidays(years=[start_year, start_year + 1])
    return year
