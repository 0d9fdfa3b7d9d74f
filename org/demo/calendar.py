"""A plausible Beijing school calendar (学年 / 学期) for demo data: autumn from about 1 September to mid
January, spring from late February to early July, with the national holidays that fall inside each semester."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

D = dt.date

# Gregorian dates of the lunar festivals: 春节, 清明, 端午, 中秋 (Qingming is solar but moves by a day).
LUNAR: dict[int, dict[str, D]] = {
    2023: {"spring": D(2023, 1, 22), "qingming": D(2023, 4, 5), "duanwu": D(2023, 6, 22), "zhongqiu": D(2023, 9, 29)},
    2024: {"spring": D(2024, 2, 10), "qingming": D(2024, 4, 4), "duanwu": D(2024, 6, 10), "zhongqiu": D(2024, 9, 17)},
    2025: {"spring": D(2025, 1, 29), "qingming": D(2025, 4, 4), "duanwu": D(2025, 5, 31), "zhongqiu": D(2025, 10, 6)},
    2026: {"spring": D(2026, 2, 17), "qingming": D(2026, 4, 5), "duanwu": D(2026, 6, 19), "zhongqiu": D(2026, 9, 25)},
    2027: {"spring": D(2027, 2, 6), "qingming": D(2027, 4, 5), "duanwu": D(2027, 6, 9), "zhongqiu": D(2027, 9, 15)},
    2028: {"spring": D(2028, 1, 26), "qingming": D(2028, 4, 4), "duanwu": D(2028, 5, 28), "zhongqiu": D(2028, 10, 3)},
    2029: {"spring": D(2029, 2, 13), "qingming": D(2029, 4, 4), "duanwu": D(2029, 6, 16), "zhongqiu": D(2029, 9, 22)},
    2030: {"spring": D(2030, 2, 3), "qingming": D(2030, 4, 5), "duanwu": D(2030, 6, 5), "zhongqiu": D(2030, 9, 12)},
}  # fmt: skip


def _on_or_after(day: D, weekday: int) -> D:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> D:
    return _on_or_after(D(year, month, 1), weekday) + dt.timedelta(weeks=n - 1)


@dataclass(frozen=True)
class Term:
    term: int
    starts_on: D
    ends_on: D
    teaching_weeks: int
    calendar: list[dict]


def _entry(start: D, until: D, kind: str, name: str) -> dict:
    return {"date": start.isoformat(), "until": until.isoformat(), "kind": kind, "name": name}


def _exams(start: D, end: D) -> list[dict]:
    mid = start + dt.timedelta(weeks=9)
    mid = _on_or_after(mid, 0)
    final = end - dt.timedelta(days=end.weekday())  # the Monday of the last week
    return [
        _entry(mid, mid + dt.timedelta(days=4), "exam", "期中考试"),
        _entry(final, end, "exam", "期末考试"),
    ]


def school_year_terms(start_year: int) -> tuple[D, D, list[Term]]:
    """(year starts, year ends, [autumn, spring]) for the school year starting in ``start_year``."""
    y1, y2 = start_year, start_year + 1
    autumn_start = _on_or_after(D(y1, 9, 1), 0) if D(y1, 9, 1).weekday() >= 5 else D(y1, 9, 1)
    autumn_end = _nth_weekday(y2, 1, 4, 3)  # the third Friday of January
    lunar1, lunar2 = LUNAR.get(y1, {}), LUNAR.get(y2, {})
    autumn_cal: list[dict] = []
    zhongqiu = lunar1.get("zhongqiu")
    if zhongqiu and zhongqiu.month == 10 and zhongqiu.day <= 8:
        autumn_cal.append(_entry(D(y1, 10, 1), D(y1, 10, 8), "holiday", "国庆节、中秋节"))
    else:
        if zhongqiu:
            autumn_cal.append(_entry(zhongqiu, zhongqiu, "holiday", "中秋节"))
        autumn_cal.append(_entry(D(y1, 10, 1), D(y1, 10, 7), "holiday", "国庆节"))
    autumn_cal.append(_entry(D(y2, 1, 1), D(y2, 1, 1), "holiday", "元旦"))
    autumn_cal += _exams(autumn_start, autumn_end)

    spring_festival = lunar2.get("spring", D(y2, 2, 5))
    spring_start = _on_or_after(max(D(y2, 2, 16), spring_festival + dt.timedelta(days=12)), 0)
    spring_end = _on_or_after(D(y2, 7, 1), 4)  # the first Friday of July
    spring_cal: list[dict] = []
    if "qingming" in lunar2:
        spring_cal.append(_entry(lunar2["qingming"], lunar2["qingming"], "holiday", "清明节"))
    spring_cal.append(_entry(D(y2, 5, 1), D(y2, 5, 5), "holiday", "劳动节"))
    if "duanwu" in lunar2 and lunar2["duanwu"] <= spring_end:
        spring_cal.append(_entry(lunar2["duanwu"], lunar2["duanwu"], "holiday", "端午节"))
    spring_cal += _exams(spring_start, spring_end)

    def weeks(a: D, b: D) -> int:
        return round(((b - a).days + 1) / 7)

    terms = [
        Term(1, autumn_start, autumn_end, weeks(autumn_start, autumn_end), sorted(autumn_cal, key=lambda e: e["date"])),
        Term(2, spring_start, spring_end, weeks(spring_start, spring_end), sorted(spring_cal, key=lambda e: e["date"])),
    ]  # fmt: skip
    return D(y1, 9, 1), D(y2, 8, 31), terms


def current_start_year(today: D) -> int:
    """The school year runs 1 September – 31 August."""
    return today.year if today.month >= 9 else today.year - 1
