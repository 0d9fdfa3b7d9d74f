"""The sizing model of docs/scale.md: a screening day at city or country scale, from measured per-request costs.

Pure arithmetic, no database and no server: ``bench/screening_day.py --beijing`` (or ``--country``) prints the
scaled request mix at the peak lesson of a screening window and what it costs. Every input is a named constant
below, marked MEASURED (with where) or ASSUMED; docs/scale.md quotes the output and says which is which.

    .venv/bin/python bench/screening_day.py --beijing [--window-days 20] [--peak-factor 3]
    .venv/bin/python bench/screening_day.py --country
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# MEASURED — CPU ms per request, web worker + PostgreSQL + Redis, `bench/request_cost.py`, 2026-11-29, the
# project's 2-core machine, quiet (load average < 1); docs/performance.md "The cost of one request".
CPU_MS = {"healthz": 0.47, "floor": 1.88, "open": 10.00, "autosave": 3.53, "submit": 5.70}
# MEASURED — one Argon2 password check (Django's Argon2PasswordHasher: time 2, memory 100 MiB, parallelism 8),
# 20 checks in one process, 2026-12-08, the same machine at load average 13.5 (docs/scale.md). The sign-in
# request's other work is taken at the signed-in floor.
SIGN_IN_CPU_MS = 243.8 + CPU_MS["floor"]
# MEASURED — the stack reached 193 submits/s on 2 cores where the cost model allows 2000 / 5.70 = 351/s
# (docs/performance.md, quiet machine): the share of the cores the production stack turns into requests.
STACK_EFFICIENCY = 193 / (2000 / CPU_MS["submit"])
# MEASURED — statements that write, per request (docs/performance.md; screening/campaigns/tests/test_answering.py):
# an autosave commits one upsert; a submit writes result, flags, rollup mark and one audit event; the answer
# page writes one audit event; a sign-in writes the session row and one audit event.
AUDITED = {"sign_in": 1, "open": 1, "autosave": 0, "submit": 1}


@dataclass(frozen=True)
class Region:
    name: str
    students: int  # ASSUMED from GLOSSARY.md / national statistics (rounded)
    screened_per_year: int  # ASSUMED: grades 4–12, one screening a year
    schools: int
    districts: int
    window_days: int = 20  # ASSUMED: a 4-week screening window, school days only
    lesson_slots: int = 7  # ASSUMED: screening starts at a lesson's start, 7 lessons a school day
    peak_factor: float = 3.0  # ASSUMED: the busiest lesson of the window over the average one
    class_size: int = 40  # ASSUMED: one class opens at the same instant
    sheets: int = 2  # ASSUMED: questionnaires per student in the battery
    items_per_sheet: int = 20  # ASSUMED: CES-DC's 20 items, the benchmark's instrument
    opens_per_sheet: float = 1.2  # ASSUMED: one in five sheets is reloaded or resumed once
    seconds_per_item: float = 10.0  # ASSUMED: a child of 9–17 reading and answering one item
    sign_in_spread_s: float = 120.0  # ASSUMED: a room's sign-ins spread over the first two minutes
    utilisation: float = 0.5  # ASSUMED: size for half the cores busy at the peak (headroom for the rest)


BEIJING = Region("Beijing", students=1_700_000, screened_per_year=1_000_000, schools=1_700, districts=16)
# ASSUMED: ≈ 200 M students in compulsory and senior-secondary school, the same share screened as Beijing
# (1.0 / 1.7), one time zone — every province's school hours coincide.
COUNTRY = Region(
    "China", students=200_000_000, screened_per_year=118_000_000, schools=200_000, districts=2_850
)


@dataclass(frozen=True)
class Peak:
    region: Region
    students_at_peak: float  # starting in the busiest lesson, city-wide
    classes_at_peak: float
    rate: dict[str, float]  # requests per second by kind, at the peak lesson
    cores: dict[str, float]  # CPU cores (web + database + Redis, as measured together) by kind
    total_cores: float  # to provision: busy cores / stack efficiency / utilisation
    writes_per_s: float  # committed write transactions per second
    audit_appends_per_s: float  # audit events per second, all on one chain head today
    answering_s: float


def peak(r: Region) -> Peak:
    per_day = r.screened_per_year / r.window_days
    students = per_day / r.lesson_slots * r.peak_factor
    answering_s = r.sheets * r.items_per_sheet * r.seconds_per_item
    # Sign-ins come in the first minutes; every other request is spread over the time a student answers.
    rate = {
        "sign_in": students / r.sign_in_spread_s,
        "open": students * r.sheets * r.opens_per_sheet / answering_s,
        "autosave": students * r.sheets * r.items_per_sheet / answering_s,
        "submit": students * r.sheets / answering_s,
    }
    cpu = {"sign_in": SIGN_IN_CPU_MS, **{k: CPU_MS[k] for k in ("open", "autosave", "submit")}}
    cores = {k: rate[k] * cpu[k] / 1000 for k in rate}
    busy = sum(cores.values())
    return Peak(
        region=r,
        students_at_peak=students,
        classes_at_peak=students / r.class_size,
        rate=rate,
        cores=cores,
        total_cores=busy / STACK_EFFICIENCY / r.utilisation,
        writes_per_s=sum(rate.values()),  # each request above commits one write transaction
        audit_appends_per_s=sum(rate[k] * AUDITED[k] for k in rate),
        answering_s=answering_s,
    )


def class_burst_ms(r: Region) -> float:
    """CPU ms one class costs in the instant it starts: every student signs in and opens the first sheet."""
    return r.class_size * (SIGN_IN_CPU_MS + CPU_MS["open"])


def report(r: Region) -> str:
    p = peak(r)
    lines = [
        f"{r.name}: {r.students:,} students, {r.screened_per_year:,} screened a year, {r.schools:,} schools, "
        f"{r.districts:,} districts",
        f"assumed: {r.window_days} school days, {r.lesson_slots} lesson starts a day, peak ×{r.peak_factor:g}, "
        f"{r.sheets} sheets × {r.items_per_sheet} items, {r.seconds_per_item:g} s per item, "
        f"{r.opens_per_sheet:g} opens per sheet, sign-ins over {r.sign_in_spread_s:g} s, "
        f"{r.utilisation:.0%} utilisation",
        f"peak lesson: {p.students_at_peak:,.0f} students ({p.classes_at_peak:,.0f} classes) start together; "
        f"answering takes {p.answering_s / 60:.1f} min",
        f"{'kind':<9} {'req/s':>10} {'CPU ms':>8} {'cores busy':>11}",
    ]
    cpu = {"sign_in": SIGN_IN_CPU_MS, **CPU_MS}
    for kind, rate in p.rate.items():
        lines.append(f"{kind:<9} {rate:>10,.0f} {cpu[kind]:>8.2f} {p.cores[kind]:>11,.1f}")
    busy = sum(p.cores.values())
    lines += [
        f"{'total':<9} {sum(p.rate.values()):>10,.0f} {'':>8} {busy:>11,.1f}",
        f"cores to provision (÷ stack efficiency {STACK_EFFICIENCY:.2f} ÷ utilisation {r.utilisation:.0%}): "
        f"{p.total_cores:,.0f}",
        f"write transactions/s: {p.writes_per_s:,.0f};  audit appends/s (one chain head today): "
        f"{p.audit_appends_per_s:,.0f}",
        f"one class starting: {class_burst_ms(r) / 1000:.1f} CPU-seconds in its first minutes "
        f"(sign-in {r.class_size} × {SIGN_IN_CPU_MS:.0f} ms)",
    ]
    return "\n".join(lines)


def region(name: str, **overrides: float) -> Region:
    base = {"beijing": BEIJING, "country": COUNTRY}[name]
    return replace(base, **{k: v for k, v in overrides.items() if v is not None})
