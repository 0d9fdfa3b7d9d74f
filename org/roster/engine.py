"""The roster import engine (名册导入): stream → validate → stage → set-based upsert, in one transaction.

How it stays fast and small (issue 2, deliverable 15): rows are parsed and checked one at a time in Python and
streamed into a TEMP staging table (PostgreSQL ``COPY``, SQLite ``executemany`` in batches); cross-row checks
(a student twice in the file) and every write are then a handful of set-based SQL statements
(``INSERT … SELECT … ON CONFLICT DO UPDATE … WHERE … IS DISTINCT FROM``), so the number of queries does not
grow with the rows and Python's memory does not grow with the file. Unchanged rows are not rewritten.

All or nothing (R-import): the caller runs :func:`execute` inside ``transaction.atomic``; the result says
whether to commit. Nothing here writes the ImportJob row: progress goes to a callback.
"""

# ruff: noqa: S608 — SQL here is assembled from constant fragments and column names; every value is a parameter
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from org.models import ImportKind, Node, NodeKind, Role, SchoolClass, SchoolYear
from org.rollover.services import rolled_over
from org.roster import fields as F
from org.roster.columns import COLUMNS, Column, header_name, lookup
from org.roster.reading import FileProblem, Table

KEEP_ERRORS = 5000  # errors kept for the report; the count goes on
STOP_AFTER_ERRORS = 20000  # a file this bad is junk: stop reading
PROGRESS_EVERY = 2000
COPY_LINES = 2000  # lines per write to the COPY stream (~150 KB)
SQLITE_BATCH = 5000
CACHE_LIMIT = 20000  # entries per column cache of the fast path: memory does not grow with the file
STAGE = "roster_stage"

Progress = Callable[[int, float, str], None]  # (rows read, fraction 0–1, phase)


@dataclass
class Outcome:
    rows: int = 0
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0
    summary: dict = field(default_factory=dict)
    stopped: dict | None = None  # the error that stopped reading a file with too many errors
    warnings: list[str] = field(default_factory=list)  # about the file, not a row: no row is invalid by them

    def add_error(self, line: int, column: str, message: object) -> None:
        self.error_count += 1
        if len(self.errors) < KEEP_ERRORS:
            self.errors.append({"line": line, "column": column, "message": str(message)})

    @property
    def ok_rows(self) -> int:
        return self.summary.get("valid", 0)


@dataclass
class SchoolInfo:
    id: int
    code: str
    name: str
    path: str
    grades: range
    campuses: list[tuple[int, str, str]]  # (id, code, name), first campus first


class Sql:
    """The few dialect differences between PostgreSQL and SQLite, and the staging table."""

    def __init__(self) -> None:
        self.pg = connection.vendor == "postgresql"
        self.distinct = "IS DISTINCT FROM" if self.pg else "IS NOT"
        # SQLite's CAST(… AS date) would turn '2025-09-01' into 2025 (numeric affinity): cast on PostgreSQL only.
        self.date_param = "CAST(%s AS date)" if self.pg else "%s"
        self.cursor = connection.cursor()

    def run(self, sql: str, params: Sequence = ()) -> int:
        self.cursor.execute(sql.replace("{distinct}", self.distinct), params)
        return max(self.cursor.rowcount, 0)

    def rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        self.cursor.execute(sql.replace("{distinct}", self.distinct), params)
        return self.cursor.fetchall()

    def date(self, day: dt.date):
        return connection.ops.adapt_datefield_value(day)

    def now(self):
        return connection.ops.adapt_datetimefield_value(timezone.now())

    def create_stage(self, columns: Sequence[tuple[str, str]]) -> None:
        cols = ", ".join(f"{n} {t}" for n, t in columns)
        self.run(f"DROP TABLE IF EXISTS {STAGE}")
        if self.pg:
            self.run(f"CREATE TEMP TABLE {STAGE} ({cols}) ON COMMIT DROP")
        else:
            self.run(f"CREATE TEMP TABLE {STAGE} ({cols})")
        self.names = [n for n, _t in columns]

    def drop_stage(self) -> None:
        self.run(f"DROP TABLE IF EXISTS {STAGE}")

    def writer(self) -> StageWriter:
        return CopyWriter(self) if self.pg else ManyWriter(self)


class StageWriter:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def __enter__(self) -> StageWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def write(self, row: tuple) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class CopyWriter(StageWriter):
    """PostgreSQL: COPY … FROM STDIN in text format, fed in chunks. Cleaned values hold no tab, line break
    or backslash (fields.text refuses them), so joining with tabs is safe."""

    def __init__(self, sql: Sql) -> None:
        super().__init__(sql)
        names = ", ".join(sql.names)
        self._cm = sql.cursor.cursor.copy(f"COPY {STAGE} ({names}) FROM STDIN")
        self._copy = self._cm.__enter__()
        self._buf: list[str] = []

    def write(self, row: tuple | str) -> None:
        """A stage row as a tuple, or already as its COPY line (the import's fast path)."""
        if row.__class__ is not str:
            row = "\t".join(["\\N" if v is None else str(v) for v in row])
        self._buf.append(row)
        if len(self._buf) >= COPY_LINES:
            self._flush()

    def _flush(self) -> None:
        if self._buf:
            self._buf.append("")
            self._copy.write("\n".join(self._buf))
            self._buf = []

    def close(self) -> None:
        self._flush()
        self._cm.__exit__(None, None, None)


class ManyWriter(StageWriter):
    def __init__(self, sql: Sql) -> None:
        super().__init__(sql)
        marks = ", ".join(["%s"] * len(sql.names))
        self._insert = f"INSERT INTO {STAGE} ({', '.join(sql.names)}) VALUES ({marks})"
        self._buf: list[tuple] = []

    def write(self, row: tuple) -> None:
        self._buf.append(row)
        if len(self._buf) >= SQLITE_BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._buf:
            self.sql.cursor.executemany(self._insert, self._buf)
            self._buf = []

    def close(self) -> None:
        self._flush()


# ---------------------------------------------------------------------------------------------------------
# Kinds


class Kind:
    kind: str
    stage_columns: list[tuple[str, str]]

    def __init__(self, node: Node, today: dt.date) -> None:
        self.node, self.today = node, today
        self.columns: list[Column] = COLUMNS[self.kind]
        self.index: dict[str, int] = {}
        self.label = {c.key: c.label for c in self.columns}
        self.schools: dict[str, SchoolInfo] = {}

    # -- header
    def map_header(self, header: list[object], columns: list[str] | None = None) -> list[str]:
        """Which cell holds which field. Without ``columns``, the header must be the template's (or the
        common headers of the alias file) and an unknown column refuses the file. With ``columns`` (confirmed
        on the mapping page: a field key per file column, "" to ignore it), the columns not taken are ignored
        and each gets a warning, returned (issue 18 build 5: never a silent drop)."""
        if columns is not None:
            return self._map_confirmed(header, columns)
        known = lookup(self.kind)
        index: dict[str, int] = {}
        unknown = []
        for i, cell in enumerate(header):
            name = header_name(cell)
            if not name:
                continue
            col = known.get(name)
            if col is None:
                unknown.append(str(cell).strip())
            elif col.key in index:
                raise FileProblem(_("The column “%(column)s” appears twice.") % {"column": col.label}, 1)
            else:
                index[col.key] = i
        if not index:
            raise FileProblem(
                _(
                    "The first row is not a header we know. Is this the right file, saved as CSV (UTF-8 or GBK) or .xlsx? Download the template to see the columns."
                ),  # fmt: skip
                1,
            )
        self._require(index)
        if unknown:
            raise FileProblem(
                _("Columns we do not know: %(columns)s. Remove them or use the template.")
                % {"columns": "、".join(unknown[:10])},
                1,
            )
        self.index = index
        self.width = len(header)
        return []

    def _require(self, index: dict[str, int]) -> None:
        missing = [c.label for c in self.columns if c.required and c.key not in index]
        if missing:
            raise FileProblem(_("Columns missing: %(columns)s.") % {"columns": "、".join(missing)}, 1)

    def _map_confirmed(self, header: list[object], columns: list[str]) -> list[str]:
        if len(columns) != len(header):
            raise FileProblem(_("The file's columns are not the ones confirmed; upload it again."), 1)
        known = lookup(self.kind)
        index: dict[str, int] = {}
        warnings = []
        for i, (cell, key) in enumerate(zip(header, columns, strict=True)):
            if key:
                if key not in self.label:
                    raise FileProblem(_("The file's columns are not the ones confirmed; upload it again."), 1)
                if key in index:
                    raise FileProblem(
                        _("The column “%(column)s” appears twice.") % {"column": self.label[key]}, 1
                    )
                index[key] = i
                continue
            name = header_name(cell)
            if not name:
                continue
            shown = str(cell).strip()[:60]
            looks = known.get(name)
            if looks is not None:
                warnings.append(
                    str(_("Column “%(column)s” (it looks like %(field)s) was not imported.")
                        % {"column": shown, "field": looks.label})
                )  # fmt: skip
            else:
                warnings.append(
                    str(
                        _("Column “%(column)s” is not a roster field and was not imported.")
                        % {"column": shown}
                    )
                )
        self._require(index)
        self.index = index
        self.width = len(header)
        return warnings

    def cell(self, cells: list[object], key: str) -> object:
        i = self.index.get(key)
        return cells[i] if i is not None and i < len(cells) else None

    # -- lookups shared by kinds
    def load_schools(self) -> None:
        campuses: dict[int, list[tuple[int, str, str]]] = {}
        for cid, parent, code, name in (
            Node.objects.filter(kind=NodeKind.CAMPUS)
            .open_on(self.today)  # a closed (撤销) school or campus takes no students (issue 18)
            .order_by("path")
            .values_list("id", "parent", "code", "name")
        ):
            campuses.setdefault(parent, []).append((cid, code, name))
        for sid, code, name, path, stage in (
            Node.objects.schools().open_on(self.today).values_list("id", "code", "name", "path", "stage")
        ):
            grades = Node(stage=stage).grades
            self.schools[code.upper()] = SchoolInfo(sid, code, name, path, grades, campuses.get(sid, []))

    def school(self, value: object) -> SchoolInfo:
        code = F.text(value).upper()
        if not code:
            raise F.CellError(_("The school code is missing."))
        info = self.schools.get(code)
        if info is None:
            raise F.CellError(_("No school has the code “%(code)s”.") % {"code": code[:40]})
        if not info.path.startswith(self.node.path):
            raise F.CellError(
                _("School %(school)s is outside %(node)s, where you are importing.")
                % {"school": info.name, "node": self.node.name}
            )
        return info

    # -- per kind
    def prepare(self) -> None:
        self.load_schools()

    def clean(self, cells: list[object], line: int, out: Outcome) -> tuple | None:
        raise NotImplementedError

    def check_stage(self, sql: Sql, out: Outcome, skip_invalid: bool) -> None:
        """Cross-row checks on the staged rows; report, and drop the bad rows if importing the rest."""

    def apply(self, sql: Sql) -> dict:
        raise NotImplementedError

    def flag(
        self,
        sql: Sql,
        out: Outcome,
        where: str,
        column: str,
        message: Callable[[tuple], str],
        skip: bool,
        extra: str = "",
        params: Sequence = (),
    ) -> None:
        """Report the staged rows that ``where`` finds (a set-based cross-row check) and drop them from the
        stage, whether or not the rest is imported: the rows left are the valid ones, so the summary's counts
        agree with the listed problems (issue 18 build 5). ``skip`` is kept for the callers' signature."""
        base = f"FROM {STAGE} s {where}"
        found = sql.rows(f"SELECT s.line{extra} {base} ORDER BY s.line LIMIT {KEEP_ERRORS + 1}", params)
        for row in found:
            out.add_error(row[0], column, message(row))
        if len(found) > KEEP_ERRORS:
            out.error_count += sql.rows(f"SELECT COUNT(*) {base}", params)[0][0] - len(found)
        if found:
            sql.run(f"DELETE FROM {STAGE} WHERE line IN (SELECT s.line {base})", params)

    def duplicates(
        self, sql: Sql, out: Outcome, keys: list[str], column: str, message: str, skip: bool
    ) -> None:
        """Report every repeat of ``keys`` after its first line, and drop the repeats when importing the rest."""
        cols = ", ".join(keys)
        on = " AND ".join(f"f.{k} = s.{k}" for k in keys)
        where = (
            f"JOIN (SELECT {cols}, MIN(line) AS first_line FROM {STAGE} GROUP BY {cols} HAVING COUNT(*) > 1) f "
            f"ON {on} WHERE s.line > f.first_line"
        )
        self.flag(sql, out, where, column, lambda r: message % {"line": r[1]}, skip, ", f.first_line")


class StudentKind(Kind):
    kind = ImportKind.STUDENTS
    stage_columns = [
        ("line", "integer"), ("student_no", "varchar(19)"), ("name", "varchar(50)"), ("gender", "varchar(1)"),
        ("birth_date", "date"), ("school_id", "bigint"), ("campus_id", "bigint"), ("school_year_id", "bigint"),
        ("grade", "integer"), ("class_name", "varchar(40)"), ("g_name", "varchar(50)"),
        ("g_relation", "varchar(12)"), ("g_phone", "varchar(20)"),
    ]  # fmt: skip

    _plan: list | None = None

    def prepare(self) -> None:
        super().prepare()
        self.years = dict(SchoolYear.objects.values_list("start_year", "id"))
        current = SchoolYear.for_date(self.today)
        self.current_year = current.id if current else None
        # A school already rolled over to next year (学年升级) takes a file without a school year as next year's.
        self.rolled_to = rolled_over(self.current_year)

    def plan(self) -> list[tuple[str, int, Callable]]:
        """(column key, cell index, cleaner); an absent optional column reads the padding cell (None)."""
        today = self.today
        memo = F.memo
        steps = (
            ("student_no", F.student_no), ("name", F.name), ("gender", memo(F.gender)),
            ("birth_date", memo(lambda v: F.birth_date(v, today))), ("school_code", memo(self.school)),
            ("grade", memo(F.grade)), ("class_name", memo(lambda v: F.name(v, 40))),
            ("school_year", memo(F.school_year)), ("guardian_name", lambda v: F.text(v)[:50]),
            ("guardian_phone", F.phone), ("guardian_relation", memo(F.relation)),
            ("resident_id", F.resident_id),
        )  # fmt: skip
        return [(key, self.index.get(key, self.width), fn) for key, fn in steps]

    def clean(self, cells: list[object], line: int, out: Outcome) -> tuple | str | None:
        """The cleaned stage row (a COPY line on PostgreSQL), or None after reporting the row's errors.

        The hot loop of a 100,000-row import (issue 2, deliverable 15). A CSV row whose every cell is of a
        shape seen before takes :meth:`_fast`: dict lookups keyed by the raw strings for the columns that
        repeat, and a few ``str`` tests for the ones that do not. Anything else (a new value, an error, an
        Excel cell, a short row) goes the general way, :meth:`_clean`, which says what is wrong."""
        if self._fast is None:
            self._fast = self._make_fast()
        if len(cells) == self.width and self.text_cells:
            cells.append(None)  # the padding cell an absent optional column reads
            try:
                staged = self._fast(cells, line)
            except (KeyError, ValueError):
                staged = None
            if staged is not None:
                return staged
        staged = self._clean(cells, line, out)
        if staged is not None and self.text_cells:
            self._remember(cells, staged)
        return staged

    _fast: Callable | None = None
    text_cells = False  # set by execute(): every cell is a str (CSV), so raw cells can key the caches
    copy_lines = False  # set by execute(): stage rows are COPY text lines (PostgreSQL), not tuples

    def _make_fast(self) -> Callable[[list, int], tuple | str | None]:
        at = {c.key: self.index.get(c.key, self.width) for c in self.columns}
        i_no, i_name, i_gender, i_born = at["student_no"], at["name"], at["gender"], at["birth_date"]
        i_rid = at["resident_id"]
        self._combo_of = combo_of = itemgetter(
            at["school_code"], at["campus"], at["grade"], at["class_name"], at["school_year"]
        )
        self._guardian_of = guardian_of = itemgetter(
            at["guardian_name"], at["guardian_relation"], at["guardian_phone"]
        )
        genders, dates, combos, relations = self._genders, self._dates, self._combos, self._relations = (
            {},
            {},
            {},
            {},
        )
        check, plain, pg = F.ID_CHECK_VALUE, F.plain, self.copy_lines
        empty = "\t\t" if pg else ("", "", "")

        def fast(cells: list, line: int) -> tuple | str | None:
            no = cells[i_no]
            if len(no) != 19 or not no.isascii():
                return None
            if no[0] == "G":  # the resident ID's check digit, computed in C (see fields.ID_CHECK_VALUE)
                body = no[1:18]
                if not body.isdigit() or body[0] == "0" or 2 * int(body, 13) % 11 != check[no[18]]:
                    return None
            elif no[0] != "L" or not no.isalnum() or not no.isupper():
                return None
            name = cells[i_name]
            if len(name) > 50 or not plain(name):
                return None
            gender, born, combo = genders[cells[i_gender]], dates[cells[i_born]], combos[combo_of(cells)]
            # A "G" number's resident ID agrees with the row's birth date and gender (else: the general way).
            if no[0] == "G" and (
                no[7:15] != born[:4] + born[5:7] + born[8:10] or (no[17] in "13579") != (gender == "M")
            ):
                return None
            rid = cells[i_rid]
            if rid and (no[0] != "G" or rid != no[1:]):
                return None
            g_name, g_rel, g_phone = guardian_of(cells)
            rel = relations[g_rel]
            if g_phone:
                if not (len(g_phone) == 11 and g_phone.isdigit() and g_phone.isascii() and g_phone[0] == "1"
                        and g_phone[1] in "3456789" and len(g_name) <= 50 and plain(g_name)):  # fmt: skip
                    return None
                g = f"{g_name}\t{rel}\t{g_phone}" if pg else (g_name, rel, g_phone)
            elif g_name:
                return None
            else:
                g = empty
            if pg:
                return f"{line}\t{no}\t{name}\t{gender}\t{born}\t{combo}\t{g}"
            return (line, no, name, gender, born, *combo, *g)

        return fast

    def _remember(self, cells: list, staged: tuple) -> None:
        """Cache what the general way found for the repeating columns of a valid row (bounded)."""
        if len(cells) <= self.width:
            cells = cells + [None] * (self.width + 1 - len(cells))
        at = self.index.get
        combo = staged[5:10]
        for cache, key, value in (
            (self._genders, cells[at("gender", self.width)], staged[3]),
            (self._dates, cells[at("birth_date", self.width)], staged[4]),
            (self._combos, self._combo_of(cells), "\t".join(map(str, combo)) if self.copy_lines else combo),
            (self._relations, cells[at("guardian_relation", self.width)], None),
        ):
            if len(cache) < CACHE_LIMIT and key not in cache:
                if cache is self._relations:
                    try:
                        value = F.relation(key)
                    except F.CellError:
                        continue
                cache[key] = value

    def _clean(self, cells: list[object], line: int, out: Outcome) -> tuple | None:
        # The general way: one pass over a precomputed plan, every error of the row reported.
        if self._plan is None:
            self._plan, self._campus_at = self.plan(), self.index.get("campus", self.width)
        if len(cells) <= self.width:
            cells = cells + [None] * (self.width + 1 - len(cells))
        values: list = []
        errors: list[tuple[str, object]] = []
        for key, i, fn in self._plan:
            try:
                values.append(fn(cells[i]))
            except F.CellError as e:
                values.append(None)
                errors.append((key, e.args[0]))
        no, name, gender, born, school, grade, class_name, year_start, g_name, g_phone, g_rel, rid = values
        self._check_resident_id(no, rid, gender, born, errors)
        campus_id = year_id = None
        if school is not None:
            campus_id = self._campus(school, cells[self._campus_at], errors)
            if grade is not None and grade not in school.grades:
                errors.append(("grade", _("Grade %(grade)s is not taught at %(school)s.") % {"grade": grade, "school": school.name}))  # fmt: skip
        if year_start is None:
            if not errors or all(k != "school_year" for k, _m in errors):
                year_id = self.rolled_to.get(school.id, self.current_year) if school else self.current_year
                if year_id is None:
                    errors.append(
                        ("school_year", _("No current school year is set up; fill in the school year."))
                    )
        else:
            year_id = self.years.get(year_start)
            if year_id is None:
                errors.append(
                    ("school_year", _("The school year %(year)s is not set up.") % {"year": year_start})
                )
        if g_name and not g_phone and all(k != "guardian_phone" for k, _m in errors):
            errors.append(("guardian_phone", _("A guardian needs a mobile phone number.")))
        if g_phone and not g_name:
            errors.append(("guardian_name", _("The guardian's name is missing.")))
        if errors:
            for key, message in errors:
                out.add_error(line, self.label[key], message)
            return None
        return (line, no, name, gender, born.isoformat(), school.id, campus_id, year_id, grade, class_name,
                g_name or "", g_rel if g_phone else "", g_phone or "")  # fmt: skip

    def _check_resident_id(
        self, no: str | None, rid: str | None, gender: str | None, born: dt.date | None, errors: list
    ) -> None:
        """The resident ID — the 身份证号 column, and the one inside a "G" 学籍号 — agrees with the stated
        birth date and gender (issue 18 build 5). One reason per column, even when both IDs disagree."""
        if no and rid and no[0] == "G" and len(rid) == 18 and rid != no[1:]:
            errors.append(("resident_id", _("The resident ID differs from the one in the student number.")))
        numbers = [n for n in (rid, no[1:] if no and no[0] == "G" else "") if n]
        seen = {k for k, _m in errors}
        for number in numbers:
            for key, message in F.resident_id_disagrees(number, born, gender):
                if key not in seen:
                    seen.add(key)
                    errors.append((key, message))

    def _campus(self, school: SchoolInfo, value: object, errors: list) -> int | None:
        if value is None or value == "":
            wanted = ""
        else:
            try:
                wanted = F.text(value)
            except F.CellError as e:
                errors.append(("campus", e.args[0]))
                return None
        if not wanted:
            if not school.campuses:
                errors.append(("school_code", _("%(school)s has no campus yet; add one first.") % {"school": school.name}))  # fmt: skip
                return None
            return school.campuses[0][0]
        for cid, code, name in school.campuses:
            if wanted in (code, name):
                return cid
        errors.append(
            (
                "campus",
                _("%(school)s has no campus “%(campus)s”.") % {"school": school.name, "campus": wanted[:40]},
            )
        )
        return None

    def check_stage(self, sql: Sql, out: Outcome, skip_invalid: bool) -> None:
        self.duplicates(sql, out, ["student_no"], self.label["student_no"],
                        gettext("This student is already on line %(line)s of the file."), skip_invalid)  # fmt: skip

    def apply(self, sql: Sql) -> dict:
        d, now, today = sql.distinct, sql.now(), sql.date(self.today)
        if sql.pg:
            sql.run("SET LOCAL work_mem = '64MB'")  # hash joins over the stage stay in memory
            sql.run(f"ANALYZE {STAGE}")
        cls_join = (
            "JOIN org_schoolclass c ON c.school_id = s.school_id AND c.school_year_id = s.school_year_id "
            "AND c.grade = s.grade AND c.name = s.class_name"
        )
        classes = sql.run(
            f"INSERT INTO org_schoolclass (school_id, campus_id, school_year_id, grade, name) "
            f"SELECT school_id, MIN(campus_id), school_year_id, grade, class_name FROM {STAGE} WHERE true "
            f"GROUP BY school_id, school_year_id, grade, class_name "
            f"ON CONFLICT (school_id, school_year_id, grade, name) DO NOTHING"
        )
        created, updated, transferred, with_guardian = sql.rows(
            f"SELECT COUNT(*) - COUNT(st.id), "
            f"SUM(CASE WHEN st.id IS NOT NULL AND (st.name <> s.name OR st.gender <> s.gender "
            f"OR st.birth_date <> s.birth_date OR e.id IS NULL OR e.school_id <> s.school_id "
            f"OR e.school_year_id <> s.school_year_id OR e.grade <> s.grade "
            f"OR e.school_class_id {d} c.id) THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN e.school_id <> s.school_id THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN s.g_phone <> '' THEN 1 ELSE 0 END) "
            f"FROM {STAGE} s {cls_join} LEFT JOIN org_student st ON st.student_no = s.student_no "
            f"LEFT JOIN org_enrollment e ON e.student_id = st.id AND e.status = 'active'"
        )[0]
        sql.run(
            f"INSERT INTO org_student (student_no, name, gender, birth_date, created_at, updated_at) "
            f"SELECT student_no, name, gender, birth_date, %s, %s FROM {STAGE} WHERE true "
            f"ON CONFLICT (student_no) DO UPDATE SET name = excluded.name, gender = excluded.gender, "
            f"birth_date = excluded.birth_date, updated_at = excluded.updated_at "
            f"WHERE org_student.name {d} excluded.name OR org_student.gender {d} excluded.gender "
            f"OR org_student.birth_date {d} excluded.birth_date",
            [now, now],
        )
        stu_join = "JOIN org_student st ON st.student_no = s.student_no"
        # A student at a new school: the old enrollment is closed as transferred (history follows them);
        # at the same school in a new school year, the old year's enrollment is completed.
        sql.run(
            f"UPDATE org_enrollment SET ended_on = %s, status = CASE WHEN org_enrollment.school_id <> s.school_id "
            f"THEN 'transferred' ELSE 'completed' END "
            f"FROM {STAGE} s {stu_join} WHERE org_enrollment.student_id = st.id "
            f"AND org_enrollment.status = 'active' AND (org_enrollment.school_id <> s.school_id "
            f"OR org_enrollment.school_year_id <> s.school_year_id)",
            [today],
        )
        sql.run(
            f"UPDATE org_enrollment SET school_class_id = c.id, grade = s.grade "
            f"FROM {STAGE} s {stu_join} {cls_join} WHERE org_enrollment.student_id = st.id "
            f"AND org_enrollment.status = 'active' AND (org_enrollment.grade <> s.grade "
            f"OR org_enrollment.school_class_id {d} c.id)"
        )
        enrolled = sql.run(
            f"INSERT INTO org_enrollment (student_id, school_id, school_class_id, school_year_id, grade, status, "
            f"started_on, ended_on) SELECT st.id, s.school_id, c.id, s.school_year_id, s.grade, 'active', %s, NULL "
            f"FROM {STAGE} s {stu_join} {cls_join} WHERE NOT EXISTS (SELECT 1 FROM org_enrollment e "
            f"WHERE e.student_id = st.id AND e.status = 'active') "
            f"ON CONFLICT (student_id, school_id, school_year_id) DO UPDATE SET status = 'active', "
            f"school_class_id = excluded.school_class_id, grade = excluded.grade, ended_on = NULL",
            [today],
        )
        guardians = (
            {}
            if not with_guardian
            else upsert_guardians(sql, "s.g_name", "s.g_phone", "s.g_relation", "NULL", stu_join, today, now)
        )
        updated = updated or 0
        unchanged = sql.rows(f"SELECT COUNT(*) FROM {STAGE}")[0][0] - created - updated
        return {"created": created, "updated": updated, "unchanged": unchanged,
                "transferred": transferred or 0, "classes_created": classes, "enrollments_created": enrolled,
                **guardians}  # fmt: skip


def upsert_guardians(
    sql: Sql, name: str, phone: str, relation: str, primary: str, stu_join: str, today, now
) -> dict:
    """Guardians by phone, their login (username = phone, unusable password), a guardian post at the
    child's school, and the link to the child. ``primary`` is an SQL boolean expression or NULL (keep; a
    student without a primary contact gets this one)."""
    d = sql.distinct
    where = f"{phone} <> ''"
    g_created, g_updated = sql.rows(
        f"SELECT COUNT(*) - COUNT(g.id), SUM(CASE WHEN g.name <> x.name THEN 1 ELSE 0 END) FROM "
        f"(SELECT {phone} AS phone, {name} AS name FROM {STAGE} s WHERE s.line IN "
        f"(SELECT MIN(line) FROM {STAGE} s WHERE {where} GROUP BY {phone})) x "
        f"LEFT JOIN org_guardian g ON g.phone = x.phone"
    )[0]
    sql.run(
        f"INSERT INTO org_guardian (name, phone) SELECT {name}, {phone} FROM {STAGE} s WHERE s.line IN "
        f"(SELECT MIN(line) FROM {STAGE} s WHERE {where} GROUP BY {phone}) "
        f"ON CONFLICT (phone) DO UPDATE SET name = excluded.name WHERE org_guardian.name {d} excluded.name"
    )
    sql.run(
        f"INSERT INTO org_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
        f"is_active, date_joined, display_name, phone) SELECT '!roster-import', %s, g.phone, '', '', '', %s, %s, "
        f"%s, g.name, g.phone FROM org_guardian g WHERE g.user_id IS NULL AND g.phone IN "
        f"(SELECT {phone} FROM {STAGE} s WHERE {where}) ON CONFLICT (username) DO NOTHING",
        [False, False, True, now],
    )
    sql.run(
        f"UPDATE org_guardian SET user_id = u.id FROM org_user u WHERE u.username = org_guardian.phone "
        f"AND org_guardian.user_id IS NULL AND org_guardian.phone IN (SELECT {phone} FROM {STAGE} s WHERE {where}) "
        f"AND NOT EXISTS (SELECT 1 FROM org_guardian g2 WHERE g2.user_id = u.id)"
    )
    sql.run(
        f"INSERT INTO org_post (user_id, role, node_id, school_class_id, full_time, title, valid_from, valid_to) "
        f"SELECT DISTINCT g.user_id, '{Role.GUARDIAN}', e.school_id, CAST(NULL AS bigint), %s, '', "
        f"{sql.date_param}, CAST(NULL AS date) "
        f"FROM {STAGE} s {stu_join} JOIN org_enrollment e ON e.student_id = st.id AND e.status = 'active' "
        f"JOIN org_guardian g ON g.phone = {phone} WHERE g.user_id IS NOT NULL AND NOT EXISTS "
        f"(SELECT 1 FROM org_post p WHERE p.user_id = g.user_id AND p.role = '{Role.GUARDIAN}' "
        f"AND p.node_id = e.school_id AND (p.valid_to IS NULL OR p.valid_to >= %s))",
        [False, today, today],
    )
    if primary != "NULL":
        # This file names the primary contact: the student's other links stop being primary.
        sql.run(
            f"UPDATE org_guardianlink SET is_primary = %s WHERE is_primary AND EXISTS (SELECT 1 FROM {STAGE} s "
            f"{stu_join} JOIN org_guardian g ON g.phone = {phone} WHERE st.id = org_guardianlink.student_id "
            f"AND {primary} AND g.id <> org_guardianlink.guardian_id)",
            [False],
        )
        is_primary = primary
    else:
        is_primary = (
            "NOT EXISTS (SELECT 1 FROM org_guardianlink l WHERE l.student_id = st.id AND l.is_primary)"
        )
    links_created, links_updated = sql.rows(
        f"SELECT COUNT(*) - COUNT(l.id), SUM(CASE WHEN l.relation <> {relation} "
        + (f"OR l.is_primary {d} ({primary}) " if primary != "NULL" else "")
        + f"THEN 1 ELSE 0 END) FROM {STAGE} s {stu_join} JOIN org_guardian g ON g.phone = {phone} "
        f"LEFT JOIN org_guardianlink l ON l.student_id = st.id AND l.guardian_id = g.id WHERE {where}"
    )[0]
    update_primary = ", is_primary = excluded.is_primary" if primary != "NULL" else ""
    sql.run(
        f"INSERT INTO org_guardianlink (guardian_id, student_id, relation, is_primary) "
        f"SELECT g.id, st.id, {relation}, {is_primary} FROM {STAGE} s {stu_join} "
        f"JOIN org_guardian g ON g.phone = {phone} WHERE {where} "
        f"ON CONFLICT (guardian_id, student_id) DO UPDATE SET relation = excluded.relation{update_primary} "
        f"WHERE org_guardianlink.relation {d} excluded.relation"
        + (f" OR org_guardianlink.is_primary {d} excluded.is_primary" if primary != "NULL" else "")
    )
    return {"guardians_created": g_created, "guardians_updated": g_updated or 0,
            "links_created": links_created, "links_updated": links_updated or 0}  # fmt: skip


class GuardianKind(Kind):
    kind = ImportKind.GUARDIANS
    stage_columns = [
        ("line", "integer"), ("student_no", "varchar(19)"), ("name", "varchar(50)"),
        ("relation", "varchar(12)"), ("phone", "varchar(20)"), ("is_primary", "integer"),
    ]  # fmt: skip

    def prepare(self) -> None:
        pass  # schools are not named in this file; students are checked set-based in check_stage

    def clean(self, cells: list[object], line: int, out: Outcome) -> tuple | None:
        values, errors = {}, []
        for key, fn in (
            ("student_no", F.student_ref),
            ("name", F.name),
            ("relation", lambda v: F.relation(v, required=True)),
            ("phone", lambda v: F.phone(v, required=True)),
            ("is_primary", F.yes_no),
        ):
            try:
                values[key] = fn(self.cell(cells, key))
            except F.CellError as e:
                errors.append((key, e.args[0]))
        for key, message in errors:
            out.add_error(line, self.label[key], message)
        if errors:
            return None
        v = values
        return (line, v["student_no"], v["name"], v["relation"], v["phone"], int(v["is_primary"]))

    def check_stage(self, sql: Sql, out: Outcome, skip_invalid: bool) -> None:
        node = self.node.name

        def unknown(row: tuple) -> str:
            if row[2] is None:
                return gettext("No student has the number %(no)s; import the students first.") % {
                    "no": row[1]
                }
            return gettext("Student %(no)s is not enrolled in %(node)s.") % {"no": row[1], "node": node}

        self.flag(
            sql, out,
            "LEFT JOIN org_student st ON st.student_no = s.student_no LEFT JOIN org_enrollment e "
            "ON e.student_id = st.id AND e.status = 'active' LEFT JOIN org_node n ON n.id = e.school_id "
            "WHERE n.id IS NULL OR n.path NOT LIKE %s",
            self.label["student_no"], unknown, skip_invalid, ", s.student_no, st.id", [self.node.path + "%"],
        )  # fmt: skip
        self.duplicates(sql, out, ["student_no", "phone"], self.label["phone"],
                        gettext("This guardian of this student is already on line %(line)s."), skip_invalid)  # fmt: skip
        self.flag(
            sql, out,
            f"JOIN (SELECT student_no, MIN(line) AS first_line FROM {STAGE} WHERE is_primary = 1 "
            f"GROUP BY student_no HAVING COUNT(*) > 1) f ON f.student_no = s.student_no "
            f"WHERE s.is_primary = 1 AND s.line > f.first_line",
            self.label["is_primary"],
            lambda r: gettext("A student has one primary contact; line %(line)s already names one.") % {"line": r[1]},
            skip_invalid, ", f.first_line",
        )  # fmt: skip

    def apply(self, sql: Sql) -> dict:
        stu_join = "JOIN org_student st ON st.student_no = s.student_no"
        out = upsert_guardians(
            sql, "s.name", "s.phone", "s.relation", "(s.is_primary = 1)", stu_join,
            sql.date(self.today), sql.now(),
        )  # fmt: skip
        total = sql.rows(f"SELECT COUNT(*) FROM {STAGE}")[0][0]
        out |= {"created": out["links_created"], "updated": out["links_updated"]}
        out["unchanged"] = total - out["created"] - out["updated"]
        return out


class StaffKind(Kind):
    kind = ImportKind.STAFF
    stage_columns = [
        ("line", "integer"), ("username", "varchar(150)"), ("name", "varchar(50)"), ("phone", "varchar(20)"),
        ("school_id", "bigint"), ("role", "varchar(24)"), ("class_id", "bigint"), ("full_time", "integer"),
    ]  # fmt: skip

    def prepare(self) -> None:
        super().prepare()
        current = SchoolYear.for_date(self.today)
        self.current_year = current.id if current else None
        # This school year's classes under the node — next year's for a school already rolled over (学年升级) —
        # loaded before streaming (no query may run during COPY).
        rolled = rolled_over(self.current_year)
        years = Q(school_year_id=self.current_year) & ~Q(school_id__in=list(rolled))
        for school_id, year_id in rolled.items():
            years |= Q(school_id=school_id, school_year_id=year_id)
        self._classes: dict[int, dict[tuple[int | None, str], list[int]]] = {}
        for cid, school_id, grade, name in SchoolClass.objects.filter(
            years, school__path__startswith=self.node.path
        ).values_list("id", "school_id", "grade", "name"):
            found = self._classes.setdefault(school_id, {})
            found.setdefault((grade, name), []).append(cid)
            found.setdefault((None, name), []).append(cid)

    def classes_of(self, school_id: int) -> dict:
        return self._classes.get(school_id, {})

    def clean(self, cells: list[object], line: int, out: Outcome) -> tuple | None:
        values, errors = {}, []
        for key, fn in (
            ("username", F.username),
            ("name", F.name),
            ("phone", F.phone),
            ("school_code", self.school),
            ("role", F.role),
            ("grade", lambda v: F.grade(v) if F.text(v) else None),
            ("class_name", F.text),
            ("full_time", F.yes_no),
        ):
            try:
                values[key] = fn(self.cell(cells, key))
            except F.CellError as e:
                errors.append((key, e.args[0]))
        class_id = None
        school, class_name = values.get("school_code"), values.get("class_name")
        if not errors and values["role"] == Role.CLASS_TEACHER:
            if not class_name:
                errors.append(("class_name", _("A class teacher needs a class.")))
            else:
                ids = self.classes_of(school.id).get((values["grade"], class_name), [])
                if not ids:
                    errors.append(("class_name", _("%(school)s has no class “%(cls)s” this school year; the class may be in another school.") % {"school": school.name, "cls": class_name[:40]}))  # fmt: skip
                elif len(ids) > 1:
                    errors.append(("grade", _("Several classes are called “%(cls)s”; fill in the grade.") % {"cls": class_name[:40]}))  # fmt: skip
                else:
                    class_id = ids[0]
        for key, message in errors:
            out.add_error(line, self.label[key], message)
        if errors:
            return None
        v = values
        return (
            line,
            v["username"],
            v["name"],
            v["phone"],
            school.id,
            v["role"],
            class_id,
            int(v["full_time"]),
        )

    def check_stage(self, sql: Sql, out: Outcome, skip_invalid: bool) -> None:
        self.duplicates(sql, out, ["username", "role", "school_id"], self.label["username"],
                        gettext("This post of this person is already on line %(line)s."), skip_invalid)  # fmt: skip
        # A login that exists must not be taken over: it may belong to a student or guardian elsewhere.
        self.flag(
            sql, out,
            f"JOIN org_user u ON u.username = s.username WHERE u.is_superuser OR EXISTS (SELECT 1 FROM org_post p "
            f"WHERE p.user_id = u.id AND p.role IN ('{Role.STUDENT}', '{Role.GUARDIAN}'))",
            self.label["username"], lambda r: gettext("This login already belongs to someone who is not staff."),
            skip_invalid,
        )  # fmt: skip

    def apply(self, sql: Sql) -> dict:
        d, now, today = sql.distinct, sql.now(), sql.date(self.today)
        first = f"s.line IN (SELECT MIN(line) FROM {STAGE} GROUP BY username)"
        created, updated = sql.rows(
            f"SELECT COUNT(*) - COUNT(u.id), SUM(CASE WHEN u.display_name <> s.name OR u.phone <> s.phone "
            f"THEN 1 ELSE 0 END) FROM {STAGE} s LEFT JOIN org_user u ON u.username = s.username WHERE {first}"
        )[0]
        sql.run(
            f"INSERT INTO org_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
            f"is_active, date_joined, display_name, phone) SELECT '!roster-import', %s, s.username, '', '', '', "
            f"%s, %s, %s, s.name, s.phone FROM {STAGE} s WHERE {first} "
            f"ON CONFLICT (username) DO UPDATE SET display_name = excluded.display_name, phone = excluded.phone "
            f"WHERE org_user.display_name {d} excluded.display_name OR org_user.phone {d} excluded.phone",
            [False, False, True, now],
        )
        same_post = (
            "p.user_id = u.id AND p.role = s.role AND p.node_id = s.school_id "
            f"AND p.school_class_id {'IS NOT DISTINCT FROM' if sql.pg else 'IS'} s.class_id "
            "AND p.valid_from <= %s AND (p.valid_to IS NULL OR p.valid_to >= %s)"
        )
        posts_updated = sql.run(
            f"UPDATE org_post SET full_time = (s.full_time = 1) FROM {STAGE} s JOIN org_user u "
            f"ON u.username = s.username WHERE {same_post.replace('p.', 'org_post.')} "
            f"AND org_post.full_time {d} (s.full_time = 1)",
            [today, today],
        )
        posts = sql.run(
            f"INSERT INTO org_post (user_id, role, node_id, school_class_id, full_time, title, valid_from, valid_to) "
            f"SELECT u.id, s.role, s.school_id, s.class_id, (s.full_time = 1), '', %s, NULL FROM {STAGE} s "
            f"JOIN org_user u ON u.username = s.username WHERE NOT EXISTS (SELECT 1 FROM org_post p WHERE {same_post})",
            [today, today, today],
        )
        sql.run(
            f"UPDATE org_schoolclass SET class_teacher_id = u.id FROM {STAGE} s JOIN org_user u "
            f"ON u.username = s.username WHERE org_schoolclass.id = s.class_id "
            f"AND org_schoolclass.class_teacher_id {d} u.id"
        )
        total = sql.rows(f"SELECT COUNT(*) FROM {STAGE}")[0][0]
        changed = posts + posts_updated
        return {"created": created, "updated": updated or 0, "unchanged": max(total - created - (updated or 0) - changed, 0),
                "posts_created": posts, "posts_updated": posts_updated}  # fmt: skip


KINDS: dict[str, type[Kind]] = {
    ImportKind.STUDENTS: StudentKind,
    ImportKind.STAFF: StaffKind,
    ImportKind.GUARDIANS: GuardianKind,
}


def execute(
    table: Table,
    *,
    kind: str,
    node: Node,
    skip_invalid: bool,
    progress: Progress | None = None,
    today: dt.date | None = None,
    columns: list[str] | None = None,
) -> tuple[Outcome, bool]:
    """Read, check and (if the file passes, or ``skip_invalid``) write. Must run inside
    ``transaction.atomic``. Returns the outcome and whether the writes should be kept. ``columns``: the
    field of each file column as confirmed on the mapping page (None: the header must be the template's).

    The summary's counts (issue 18 build 5): ``valid`` + ``invalid`` = ``rows``, and ``invalid`` is the number
    of distinct lines among the listed problems — a row with two problems is one invalid row, and a warning
    about the file (a column not imported) makes no row invalid."""
    out = Outcome()
    handler = KINDS[kind](node, today or timezone.localdate())
    out.warnings = handler.map_header(table.header, columns)
    handler.prepare()
    sql = Sql()
    sql.create_stage(handler.stage_columns)
    try:
        rows = 0
        width = handler.width
        handler.text_cells, handler.copy_lines = table.text_only, sql.pg
        with sql.writer() as writer:
            for line, cells in table.rows:
                first = cells[0] if cells else None
                if not (first.__class__ is str and first.strip()) and not any(
                    c not in (None, "") and (not isinstance(c, str) or c.strip()) for c in cells
                ):
                    continue  # blank lines are not rows
                rows += 1
                if len(cells) > width and any(c not in (None, "") for c in cells[width:]):
                    out.add_error(line, "", _("This row has more cells than the header has columns."))
                else:
                    staged = handler.clean(cells, line, out)
                    if staged is not None:
                        writer.write(staged)
                if out.error_count >= STOP_AFTER_ERRORS:
                    message = _(
                        "Too many errors (%(n)s): stopped reading at line %(line)s. Is this the right file?"
                    )
                    out.stopped = {
                        "line": line,
                        "column": "",
                        "message": str(message % {"n": out.error_count, "line": line}),
                    }
                    break
                if progress and rows % PROGRESS_EVERY == 0:
                    progress(rows, table.fraction_read(), "reading")
        out.rows = rows
        if rows == 0:
            raise FileProblem(_("The file has a header but no rows."))
        if progress:
            progress(rows, 1.0, "checking")
        handler.check_stage(sql, out, skip_invalid)
        out.errors.sort(key=lambda e: e["line"])
        if out.stopped:
            out.errors.insert(0, out.stopped)
        valid = sql.rows(f"SELECT COUNT(*) FROM {STAGE}")[0][0]  # the cross-row checks dropped their rows
        out.summary = {"rows": rows, "valid": valid, "invalid": rows - valid}
        if out.stopped or (out.error_count and not skip_invalid):
            return out, False
        if progress:
            progress(rows, 1.0, "writing")
        out.summary |= handler.apply(sql)
        return out, True
    finally:
        if not sql.pg:
            sql.drop_stage()
