"""Writes of mental-health funding (R16). Keyword-only, the policy asked first (``schoolwork.funding.selectors``),
one transaction, audited. A user's mistake raises :class:`FundingError` (a clear message, an HTTP status) and
writes nothing. Figures locked by data approval (submitted or approved) are not changed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from access import audit
from org.models import Node, SchoolYear, User
from schoolwork.funding import selectors
from schoolwork.funding.models import BudgetLine, DistrictAllocation, FundingCategory, FundingSource

MAX_YUAN = Decimal("999999999999.99")  # what the column holds (14 digits, 2 places)
MAX_ROWS = 5000


class FundingError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


class SheetRejected(FundingError):
    """The funding sheet has errors: nothing was imported; ``errors`` says which rows and why."""

    def __init__(self, errors: list[RowError]):
        super().__init__(_("The funding sheet has errors; nothing was imported."))
        self.errors = errors


def parse_yuan(value: object, label: str) -> Decimal:
    """An amount in yuan as a ``Decimal`` with two places: "12,000", "12000.5", "¥3 000", an Excel number. A
    negative amount, more than two decimal places or text is refused with a message naming ``label``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise FundingError(_("Please fill in: %(field)s.") % {"field": label})
    if isinstance(value, bool):
        raise FundingError(_("%(field)s must be an amount in yuan.") % {"field": label})
    if isinstance(value, float):
        value = repr(value)  # Excel numbers arrive as floats: their shortest decimal form, never binary noise
    text = re.sub(r"[\s,，¥￥元]", "", str(value))
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise FundingError(_("%(field)s must be an amount in yuan.") % {"field": label}) from None
    if not amount.is_finite():
        raise FundingError(_("%(field)s must be an amount in yuan.") % {"field": label})
    if amount < 0:
        raise FundingError(_("%(field)s cannot be negative.") % {"field": label})
    if amount != amount.quantize(Decimal("0.01")):
        raise FundingError(_("%(field)s has more than two decimal places.") % {"field": label})
    if amount > MAX_YUAN:
        raise FundingError(_("%(field)s is too large.") % {"field": label})
    return amount.quantize(Decimal("0.01"))


def _note(value: str) -> str:
    value = (value or "").strip()
    if len(value) > 200:
        raise FundingError(
            _("%(field)s is too long (at most %(n)s characters).") % {"field": _("note"), "n": 200}
        )
    return value


def _choice(value: str, choices: type, label: str) -> str:
    """A category or source by its key or by its label in any language ("测评", "Assessment")."""
    value = (value or "").strip()
    for key, text in choices.choices:
        names = {key}
        for lang in ("zh-hans", "en"):
            with translation.override(lang):
                names.add(str(text))
        if value in names:
            return key
    raise FundingError(_("Unknown %(field)s: %(value)s.") % {"field": label, "value": value or "—"})


def _writable_school(user: User, school_id: int | str) -> Node:
    school = next((s for s in selectors.writable_schools(user) if str(s.pk) == str(school_id)), None)
    if school is None:
        if selectors.funding_schools(user).filter(pk=school_id if str(school_id).isdigit() else 0).exists():
            raise FundingError(_("You may not do this."), 403)
        raise FundingError(_("Not found."), 404)
    return school


def _unlocked(node: Node, year: SchoolYear) -> None:
    if selectors.is_locked(node, year):
        raise FundingError(
            _(
                "The figures of %(node)s for %(year)s have been submitted for approval; ask the district to "
                "return them before changing the funding."
            )
            % {"node": node.name, "year": year},
            409,
        )


def save_budget_line(
    *,
    user: User,
    school_id: int | str,
    year: SchoolYear,
    category: str,
    budgeted: object,
    spent: object,
    note: str = "",
    now: dt.datetime | None = None,
) -> BudgetLine:
    """经费预算 — record (or correct) a school's budget line of one category in a school year: one line per
    school, year and category, so saving it again updates it."""
    now = now or timezone.now()
    school = _writable_school(user, school_id)
    key = _choice(category, FundingCategory, _("category"))
    b, s = parse_yuan(budgeted, _("budgeted (yuan)")), parse_yuan(spent or "0", _("spent (yuan)"))
    _unlocked(school, year)
    with transaction.atomic():
        line, created = BudgetLine.objects.update_or_create(
            school=school,
            school_year=year,
            category=key,
            defaults={"budgeted": b, "spent": s, "note": _note(note), "updated_by": user, "updated_at": now},
        )
        audit.record(
            actor=user,
            action="schoolwork.funding.line_save",
            obj=line,
            detail={"created": created, "budgeted": str(b), "spent": str(s)},
        )
    return line


def delete_budget_line(*, user: User, line: BudgetLine) -> None:
    school = _writable_school(user, line.school_id)
    _unlocked(school, line.school_year)
    with transaction.atomic():
        audit.record(
            actor=user,
            action="schoolwork.funding.line_delete",
            obj=line,
            detail={"category": line.category, "budgeted": str(line.budgeted), "spent": str(line.spent)},
        )
        line.delete()


def _own_district(user: User, district_id: int | str) -> Node:
    district = next((d for d in selectors.own_districts(user) if str(d.pk) == str(district_id)), None)
    if district is None:
        if any(str(d.pk) == str(district_id) for d in selectors.readable_districts(user)):
            raise FundingError(_("You may not do this."), 403)
        raise FundingError(_("Not found."), 404)
    return district


def save_allocation(
    *,
    user: User,
    district_id: int | str,
    year: SchoolYear,
    source: str,
    amount: object,
    note: str = "",
    now: dt.datetime | None = None,
) -> DistrictAllocation:
    """区级经费投入 — record (or correct) a district's allocation from one source in a school year."""
    now = now or timezone.now()
    district = _own_district(user, district_id)
    key = _choice(source, FundingSource, _("source"))
    value = parse_yuan(amount, _("amount (yuan)"))
    _unlocked(district, year)
    with transaction.atomic():
        a, created = DistrictAllocation.objects.update_or_create(
            district=district,
            school_year=year,
            source=key,
            defaults={"amount": value, "note": _note(note), "updated_by": user, "updated_at": now},
        )
        audit.record(
            actor=user,
            action="schoolwork.funding.allocation_save",
            obj=a,
            detail={"created": created, "amount": str(value)},
        )
    return a


def delete_allocation(*, user: User, allocation: DistrictAllocation) -> None:
    district = _own_district(user, allocation.district_id)
    _unlocked(district, allocation.school_year)
    with transaction.atomic():
        audit.record(
            actor=user,
            action="schoolwork.funding.allocation_delete",
            obj=allocation,
            detail={"source": allocation.source, "amount": str(allocation.amount)},
        )
        allocation.delete()


# --- Excel in ---------------------------------------------------------------------------------------------------

# The sheet's columns, as the export writes them (a downloaded sheet can be filled in and imported again).
SHEET_COLUMNS = {
    "school": ("学校代码", "school code"),
    "category": ("类别", "category"),
    "budgeted": ("预算金额（元）", "预算金额", "budgeted (yuan)", "budgeted"),
    "spent": ("已支出（元）", "已支出", "spent (yuan)", "spent"),
    "note": ("说明", "备注", "note"),
}


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    wanted = {n.lower() for n in names}
    return next((i for i, h in enumerate(header) if h in wanted), None)


def _cell(cells: list, i: int | None) -> object:
    if i is None or i >= len(cells):
        return None
    value = cells[i]
    return value.strip() if isinstance(value, str) else value


def import_budget_sheet(
    *, user: User, year: SchoolYear, path: str, original_name: str = "", now: dt.datetime | None = None
) -> int:
    """经费表导入 — a CSV/XLSX of budget lines (学校代码, 类别, 预算金额（元）, 已支出（元）, 说明) for ``year``. All or
    nothing: any bad row (an unknown school or one the user may not write, an unknown category, an amount that is
    not money, a school whose figures are locked, the same school and category twice) rejects the whole sheet with
    the rows and reasons. Returns the number of lines saved."""
    from org.roster.reading import FileProblem, open_table

    now = now or timezone.now()
    if not selectors.writable_schools(user):
        raise FundingError(_("You may not do this."), 403)
    try:
        table = open_table(path, original_name)
    except FileProblem as exc:
        raise FundingError(exc.message) from exc
    try:
        header = [str(h or "").strip().lower() for h in table.header]
        cols = {k: _column(header, names) for k, names in SHEET_COLUMNS.items()}
        missing = [SHEET_COLUMNS[k][0] for k in ("school", "category", "budgeted") if cols[k] is None]
        if missing:
            raise FundingError(_("The sheet needs the columns: %(cols)s.") % {"cols": "、".join(missing)})
        rows = []
        for line, cells in table.rows:
            values = {k: _cell(cells, i) for k, i in cols.items()}
            if all(v in (None, "") for v in values.values()):
                continue
            rows.append((line, values))
            if len(rows) > MAX_ROWS:
                raise FundingError(_("A funding sheet has at most %(n)s rows.") % {"n": MAX_ROWS})
    except FileProblem as exc:
        raise FundingError(exc.message) from exc
    finally:
        table.close()
    writable = {s.code: s for s in selectors.writable_schools(user)}
    errors: list[RowError] = []
    parsed: list[tuple[Node, str, Decimal, Decimal, str]] = []
    seen: dict[tuple[int, str], int] = {}
    locked = selectors.locked_ids(year)
    for line, v in rows:
        code = str(v["school"] or "").strip()
        school = writable.get(code)
        try:
            if school is None:
                raise FundingError(
                    _("School %(code)s is not one whose funding you record.") % {"code": code or "—"}
                )
            category = _choice(str(v["category"] or ""), FundingCategory, _("category"))
            budgeted = parse_yuan(v["budgeted"], _("budgeted (yuan)"))
            spent = parse_yuan(v["spent"] if v["spent"] not in (None, "") else "0", _("spent (yuan)"))
            note = _note(str(v["note"] or ""))
            if (school.pk, category) in seen:
                raise FundingError(
                    _("The same school and category are already on line %(line)s.")
                    % {"line": seen[(school.pk, category)]}
                )
            if school.pk in locked:
                raise FundingError(
                    _("The figures of %(node)s for %(year)s have been submitted for approval.")
                    % {"node": school.name, "year": year}
                )
        except FundingError as exc:
            errors.append(RowError(line, exc.message))
            continue
        seen[(school.pk, category)] = line
        parsed.append((school, category, budgeted, spent, note))
    if errors:
        raise SheetRejected(errors)
    if not parsed:
        raise FundingError(_("The sheet has no budget lines."))
    with transaction.atomic():
        for school, category, budgeted, spent, note in parsed:
            BudgetLine.objects.update_or_create(
                school=school,
                school_year=year,
                category=category,
                defaults={
                    "budgeted": budgeted,
                    "spent": spent,
                    "note": note,
                    "updated_by": user,
                    "updated_at": now,
                },
            )
        audit.record(
            actor=user,
            action="schoolwork.funding.import",
            detail={"year": year.start_year, "lines": len(parsed), "schools": len({p[0].pk for p in parsed})},
        )
    return len(parsed)
