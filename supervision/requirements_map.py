"""需求对照 — the map from the plan to the code: ``docs/requirements.md`` (issue 17 item 3).

For every requirement of the plan it names the pages, the services, selectors and other code, the indicators and
the tests that meet it, and what is missing. Nothing in it is written by hand; it is read from what the repository
already carries, so ``manage.py requirements_map`` rewrites it and a test fails when it is stale:

- the requirements: ``requirement_titles.txt`` beside this module — the IDs of the mission's REQUIREMENTS.md with
  one-line titles, copied into the repository so a fresh clone can build and check the page;
- markers: a requirement ID (``R4.3``; a range ``R6–R8`` or ``R1.1–R1.4`` stands for each ID in it; a bare ``R3``
  for R3 as a whole) in a docstring, comment or string of an app's modules — the top-level packages of the
  installed apps that live in the repository, without migrations and tests — or in a template. Where it sits
  decides what it names: inside a function or class (docstring, body, decorators) or in the comment block just
  above one, that function or class; in a section comment (``# --- home visits (R10) ---``), the public
  functions and classes below it up to the next section; anywhere else, the module. An example (``R1.1 …``) is
  no marker;
- pages: every URL of ``get_resolver()`` whose view (function, class, or django-ninja operation) carries the
  marker — itself or through its section — or, when the view carries none, whose module's docstring does;
- indicators: the ``requirement`` of each entry of the catalogue (``supervision.indicators.catalogue``);
- tests: test modules whose docstring names the requirement, and test functions and classes whose name
  (``test_r4_3_…``), docstring or comments do.

The page is deterministic — sorted, relative POSIX paths, no dates — so the same tree gives the same text on any
checkout path and under any database.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import os
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from supervision.indicators import catalogue

REQUIREMENT_FILE = Path(__file__).with_name("requirement_titles.txt")
DOC_FILE = Path(settings.BASE_DIR) / "docs" / "requirements.md"
COMMAND = ".venv/bin/python manage.py requirements_map"

# An ID, optionally the end of a range: R4.3, R12, R6–R8, R10-R14, R1.1–R1.4, R1.1–4. Not inside a word or a number
# (the look-behind follows the R so that the search can skip to each R).
_MARKER = re.compile(r"R(?<![\w.]R)(\d{1,2})(?:\.(\d))?(?:[–-](R?)(\d{1,2})(?:\.(\d))?)?(?![\w])")
_EXAMPLE_AFTER = re.compile(r"\s*(?:…|\.\.\.)")  # "R1.1 …" is an example of the notation, not a marker
_TEST_NAME_ID = re.compile(r"(?:^|_)r(\d{1,2})(?:_(\d))?(?=_|$)")  # test_r4_3_…, test_r12_…
_SECTION = re.compile(r"#\s*(?:-{3,}|={3,}|—{2,})")  # "# --- home visits (R10) ----…"
_ANY_ID = re.compile(r"R\d")  # a cheap first look
_TEST_NAME_HINT = re.compile(r"def test\w*_r\d", re.IGNORECASE)
_SKIP_DIRS = {"migrations", "__pycache__", "static", "node_modules"}
_PAGE_SHOWN = 3  # pages named on a summary line; the rest are counted


# --- the requirements ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    id: str
    title: str

    @property
    def key(self) -> tuple[int, int]:
        return id_key(self.id)

    @property
    def parent(self) -> str | None:
        return self.id.partition(".")[0] if "." in self.id else None


def id_key(rid: str) -> tuple[int, int]:
    major, _, minor = rid[1:].partition(".")
    return int(major), int(minor or 0)


def load_requirements(path: Path = REQUIREMENT_FILE) -> list[Requirement]:
    out: list[Requirement] = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"(R\d{1,2}(?:\.\d)?)\s+(\S.*)", line)
        if m is None:
            raise ValueError(f"{path.name}:{n}: expected 'R<id> <title>', got {line!r}")
        out.append(Requirement(m[1], m[2]))
    return sorted(out, key=lambda r: r.key)


# --- markers in text ----------------------------------------------------------------------------------------------


def markers_in(text: str) -> list[tuple[int, str]]:
    """``(offset, ID)`` for every requirement ID ``text`` names, ranges expanded, examples skipped."""
    out: list[tuple[int, str]] = []
    for m in _MARKER.finditer(text):
        if _EXAMPLE_AFTER.match(text, m.end()):
            continue
        out.extend((m.start(), rid) for rid in _expand(*m.groups()))
    return out


def _expand(a: str, a_minor: str | None, r: str, b: str | None, b_minor: str | None) -> list[str]:
    first = f"R{a}.{a_minor}" if a_minor else f"R{a}"
    if b is None:
        return [first]
    lo, hi = int(a), int(b)
    if a_minor and not r and not b_minor:  # R1.1–4: minors of one requirement
        lo, hi = int(a_minor), int(b)
        return [f"R{a}.{i}" for i in range(lo, hi + 1)] if 0 < hi - lo < 10 else [first]
    if a_minor and b_minor and lo == hi:  # R1.1–R1.4
        lo, hi = int(a_minor), int(b_minor)
        return [f"R{a}.{i}" for i in range(lo, hi + 1)] if 0 < hi - lo < 10 else [first]
    if not a_minor and not b_minor:  # R6–R8: whole requirements
        return [f"R{i}" for i in range(lo, hi + 1)] if 0 < hi - lo < 20 else [first]
    return [first, f"R{b}.{b_minor}" if b_minor else f"R{b}"]  # R1.4–R3: the two ends only


def ids_in_test_name(name: str, known: set[str]) -> list[str]:
    """``test_r4_3_booking`` → R4.3; ``test_r12_…`` → R12 (a digit after an ID that has no such sub-item is a word)."""
    out = []
    for m in _TEST_NAME_ID.finditer(name.lower()):
        sub = f"R{m[1]}.{m[2]}"
        out.append(sub if m[2] and (sub in known or f"R{m[1]}" not in known) else f"R{m[1]}")
    return out


# --- where the markers sit ----------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Place:
    """A module (``name`` empty) or a function or class in it, by qualified name."""

    path: str
    name: str = ""


@dataclass
class ModuleMarks:
    path: str
    module_doc: set[str] = field(default_factory=set)  # the module's docstring
    module_level: set[str] = field(default_factory=set)  # other module-level text, not in a section header
    by_name: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # function/class → IDs
    by_section: dict[str, set[str]] = field(default_factory=dict)  # public top-level def → its section's IDs
    section_ids: set[str] = field(default_factory=set)  # every ID a section comment names

    def of_view(self, qualname: str) -> set[str]:
        """The IDs a view carries: its own (and its methods'), its section's; else its module docstring's, but
        those that a section of the module claims."""
        own: set[str] = set()
        for name, ids in self.by_name.items():
            if name == qualname or name.startswith(qualname + "."):
                own |= ids
        own |= self.by_section.get(qualname.partition(".")[0], set())
        return own or self.module_doc - self.section_ids

    def places(self) -> list[tuple[Place, set[str]]]:
        out: dict[Place, set[str]] = defaultdict(set)
        if self.module_doc or self.module_level:
            out[Place(self.path)] |= self.module_doc | self.module_level
        for names in (self.by_name, self.by_section):
            for name, ids in names.items():
                out[Place(self.path, name)] |= ids
        return sorted(out.items(), key=lambda item: item[0])


@dataclass(frozen=True)
class _Def:
    qualname: str
    line: int  # the def/class line
    start: int  # its first decorator's line
    end: int  # its last line
    top: bool
    is_test: bool  # test_… function or Test… class


@dataclass(frozen=True)
class _Hit:
    line: int
    ids: tuple[str, ...]
    comment: bool  # else a string
    own_line: bool  # alone on its line (a comment block line, or a string that starts a statement)
    string_start: int  # the string's first line (0 for comments)


# Comments and string literals of Python source. A light reading of the source instead of ``ast`` and ``tokenize``
# (ten times slower on the whole repository): formatted code is regular enough for where a def starts and ends.
_TOKEN = re.compile(
    r"#[^\n]*"
    r'|"""(?:[^"\\]|\\[\s\S]|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\[\s\S]|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\[\s\S])*"'
    r"|'(?:[^'\\\n]|\\[\s\S])*'"
)
_DEF = re.compile(r"(?:async\s+def|def|class)\s+(\w+)")
_MODULE_DOC = re.compile(r"\A(?:[ \t]*(?:#[^\n]*)?\n)*[rRuU]?(\"\"\"|\'\'\')")


@dataclass
class _Source:
    """The defs of a Python module, its module docstring's lines, which string is which def's docstring, and the
    markers in its comments and strings."""

    defs: list[_Def]
    module_doc: tuple[int, int] | None
    docstring_of: dict[int, _Def]  # a docstring's first line → its def
    hits: list[_Hit]
    comment_lines: set[int]  # lines holding only a comment
    section_lines: list[int]  # module-level section comments (# --- … ---)

    @classmethod
    def read(cls, text: str) -> _Source:
        lines = text.split("\n")
        masked: list[str] = []  # the source with its comments and strings taken out, line for line
        inside: set[int] = set()  # lines that begin inside a multi-line string
        strings: dict[int, tuple[int, int]] = {}  # a string that begins a line: first line → (first, last)
        hits: list[_Hit] = []
        comment_lines: set[int] = set()
        pos, line = 0, 1
        for tok in _TOKEN.finditer(text):
            begin, s = tok.start(), tok.group()
            line += text.count("\n", pos, begin)
            span = s.count("\n")
            own = not text[text.rfind("\n", 0, begin) + 1 : begin].strip()
            masked.append(text[pos:begin])
            if span:
                masked.append("\n" * span)
                inside.update(range(line + 1, line + span + 1))
            pos = tok.end()
            comment = s[0] == "#"
            if own:
                if comment:
                    comment_lines.add(line)
                else:
                    strings[line] = (line, line + span)
            if "R" in s and (found := markers_in(s)):
                by_line: dict[int, list[str]] = defaultdict(list)
                for offset, rid in found:
                    by_line[line + s.count("\n", 0, offset)].append(rid)
                hits.extend(
                    _Hit(n, tuple(ids), comment, own, 0 if comment else line) for n, ids in by_line.items()
                )
            line += span
        masked.append(text[pos:])
        code = "".join(masked).split("\n")

        # Statement lines: not inside brackets, a backslash continuation or a multi-line string.
        statements: list[tuple[int, int, str]] = []  # (line, indent, code)
        header_ends: dict[int, int] = {}  # a def's line → the line its header ends on with ":"
        depth, continued, open_header = 0, False, None
        for n, raw in enumerate(code, 1):
            stripped = raw.strip()
            if not stripped:
                continue
            if depth == 0 and not continued and n not in inside:
                statements.append((n, len(raw) - len(raw.lstrip()), stripped))
                if _DEF.match(stripped):
                    open_header = n
            if (
                "(" in stripped
                or ")" in stripped
                or "[" in stripped
                or "]" in stripped
                or "{" in stripped
                or "}" in stripped
            ):
                opened = stripped.count("(") + stripped.count("[") + stripped.count("{")
                depth = max(
                    0, depth + opened - stripped.count(")") - stripped.count("]") - stripped.count("}")
                )
            continued = stripped.endswith("\\")
            if open_header is not None and depth == 0 and not continued:
                if stripped.endswith(":"):
                    header_ends[open_header] = n
                open_header = None

        defs: list[_Def] = []
        stack: list[tuple[int, str, int, int]] = []  # (indent, qualname, def line, start)
        decorator = None

        def close(before: int) -> None:
            indent, qualname, line, start = stack.pop()
            end = before - 1
            while end > line and (
                not lines[end - 1].strip() or (end in comment_lines and _indent(lines[end - 1]) <= indent)
            ):
                end -= 1
            name = qualname.rpartition(".")[2]
            is_test = (
                name.startswith("Test")
                if lines[line - 1].lstrip().startswith("class")
                else name.startswith("test")
            )
            defs.append(_Def(qualname, line, start, end, "." not in qualname, is_test))

        for n, indent, stripped in statements:
            while stack and indent <= stack[-1][0]:
                close(n)
            if stripped.startswith("@"):
                decorator = decorator or n
                continue
            m = _DEF.match(stripped)
            if m:
                qualname = f"{stack[-1][1]}.{m[1]}" if stack else m[1]
                stack.append((indent, qualname, n, decorator or n))
            decorator = None
        while stack:
            close(len(lines) + 1)
        defs.sort(key=lambda d: d.start)

        def first_statement(after: int) -> int | None:
            n = after + 1
            while n <= len(lines) and (not lines[n - 1].strip() or n in comment_lines):
                n += 1
            return n if n <= len(lines) else None

        module_doc = strings.get(first_statement(0) or 0)
        docstring_of = {}
        for d in defs:
            end = header_ends.get(d.line)
            body = first_statement(end) if end is not None else None
            if body is not None and body in strings and body <= d.end:
                docstring_of[body] = d
        sections = sorted(n for n in comment_lines if _SECTION.match(lines[n - 1]))
        return cls(defs, module_doc, docstring_of, hits, comment_lines, sections)

    def innermost(self, line: int, tests_only: bool = False) -> _Def | None:
        best = None
        for d in self.defs:
            if (
                d.start <= line <= d.end
                and (not tests_only or d.is_test)
                and (best is None or d.start >= best.start)
            ):
                best = d
        return best

    def in_module_doc(self, line: int) -> bool:
        return self.module_doc is not None and self.module_doc[0] <= line <= self.module_doc[1]

    def attached_def(self, line: int) -> _Def | None:
        """The top-level def the comment block holding ``line`` sits just above (no blank line between)."""
        nxt = line + 1
        while nxt in self.comment_lines:
            nxt += 1
        return self.top_by_start.get(nxt)

    @functools.cached_property
    def top_by_start(self) -> dict[int, _Def]:
        return {d.start: d for d in self.defs if d.top}


def _docstring_only(text: str) -> tuple[set[str], bool] | None:
    """The IDs of the module docstring when no marker lies outside it (most modules): no need to read the rest.
    None when one does. The flag tells whether the text names any ID at all."""
    m = _MODULE_DOC.match(text)
    end = text.find(m[1], m.end()) if m else -1
    if end < 0:
        return (set(), False) if not markers_in(text) else None
    if markers_in(text[end:]):
        return None
    found = {rid for _, rid in markers_in(text[:end])}
    return found, bool(found)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def scan_code(path: str, text: str) -> ModuleMarks | None:
    if not _ANY_ID.search(text):
        return None
    if (quick := _docstring_only(text)) is not None:
        return ModuleMarks(path, module_doc=quick[0]) if quick[1] else None
    src = _Source.read(text)
    if not src.hits:
        return None
    marks = ModuleMarks(path)
    marked_sections: dict[int, tuple[str, ...]] = {}
    for hit in src.hits:
        inner = src.innermost(hit.line)
        if inner is not None:
            marks.by_name[inner.qualname].update(hit.ids)
        elif src.in_module_doc(hit.line):
            marks.module_doc.update(hit.ids)
        elif hit.comment and hit.line in src.section_lines:
            marked_sections[hit.line] = hit.ids
        elif hit.comment and hit.own_line and (attached := src.attached_def(hit.line)) is not None:
            marks.by_name[attached.qualname].update(hit.ids)
        else:
            marks.module_level.update(hit.ids)
    for d in src.defs:  # a section runs to the next section comment, marked or not
        if d.top and not d.qualname.startswith("_"):
            before = [n for n in src.section_lines if n < d.start]
            if before and before[-1] in marked_sections:
                marks.by_section[d.qualname] = set(marked_sections[before[-1]])
    marks.section_ids = {rid for ids in marked_sections.values() for rid in ids}
    return marks


def scan_tests(path: str, text: str, known: set[str]) -> dict[Place, set[str]]:
    """Test places and the IDs each names: the module's docstring; a test's name, docstring or comments."""
    named = _TEST_NAME_HINT.search(text)
    if not named and not _ANY_ID.search(text):
        return {}
    if not named and (quick := _docstring_only(text)) is not None:
        return {Place(path): quick[0]} if quick[1] else {}
    src = _Source.read(text)
    out: dict[Place, set[str]] = defaultdict(set)
    for d in src.defs:
        if d.is_test:
            out[Place(path, d.qualname)].update(ids_in_test_name(d.qualname.rpartition(".")[2], known))
    for hit in src.hits:
        if not hit.comment and src.module_doc is not None and hit.string_start == src.module_doc[0]:
            out[Place(path)].update(hit.ids)
        elif not hit.comment:  # a docstring names its test; any other string in a test is data, not a marker
            owner = src.docstring_of.get(hit.string_start)
            if owner is not None and owner.is_test:
                out[Place(path, owner.qualname)].update(hit.ids)
        elif (owner := src.innermost(hit.line, tests_only=True)) is not None:  # a comment: the test around it
            out[Place(path, owner.qualname)].update(hit.ids)
    return {place: ids for place, ids in out.items() if ids}


# --- walking the repository ---------------------------------------------------------------------------------------


def repo_root() -> Path:
    return Path(settings.BASE_DIR).resolve()


def app_roots(root: Path) -> list[Path]:
    """The top-level packages of the installed apps that live in the repository (xinyu.web → xinyu)."""
    tops = set()
    for config in apps.get_app_configs():
        try:
            rel = Path(config.path).resolve().relative_to(root)
        except ValueError:
            continue
        if _ours(rel):
            tops.add(root / rel.parts[0])
    return sorted(tops)


def _ours(rel: Path) -> bool:
    """Is this path of the repository's own code — not a virtualenv or another hidden folder inside the checkout?"""
    return bool(rel.parts) and not rel.parts[0].startswith(".") and "site-packages" not in rel.parts


def _walk(top: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            yield Path(dirpath) / name


def _is_test_file(rel: Path) -> bool:
    return "tests" in rel.parts[:-1] or rel.name.startswith("test_") or rel.name == "conftest.py"


def template_dirs(root: Path, tops: list[Path]) -> list[Path]:
    dirs = {Path(d).resolve() for conf in settings.TEMPLATES for d in conf.get("DIRS", [])}
    for top in tops:
        dirs |= {Path(p).resolve() for p, names, _ in os.walk(top) if Path(p).name == "templates"}
    return sorted(d for d in dirs if d.is_relative_to(root) and d.is_dir())


@dataclass
class Scan:
    code: dict[str, ModuleMarks]  # by relative path
    templates: dict[str, set[str]]
    tests: dict[Place, set[str]]
    apps: list[str]


def scan(root: Path, known: set[str]) -> Scan:
    own = Path(__file__).resolve()  # this module's docstring shows the notation; it meets nothing
    tops = app_roots(root)
    code: dict[str, ModuleMarks] = {}
    tests: dict[Place, set[str]] = {}
    test_tops = tops + ([root / "tests"] if (root / "tests").is_dir() else [])
    for top in test_tops:
        for file in _walk(top):
            if file.suffix != ".py" or file == own:
                continue
            rel = file.relative_to(root)
            text = file.read_text(encoding="utf-8")
            if _is_test_file(rel):
                tests.update(scan_tests(rel.as_posix(), text, known))
            elif top in tops and (marks := scan_code(rel.as_posix(), text)) is not None:
                code[rel.as_posix()] = marks
    templates: dict[str, set[str]] = {}
    for tdir in template_dirs(root, tops):
        for file in _walk(tdir):
            if file.suffix in (".html", ".txt") and (found := markers_in(file.read_text(encoding="utf-8"))):
                templates[file.relative_to(root).as_posix()] = {rid for _, rid in found}
    return Scan(code, templates, tests, [t.name for t in tops])


# --- pages --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Page:
    route: str
    name: str
    view: Place


def _patterns(resolver: URLResolver, prefix: str = "", ns: str = "") -> Iterator[tuple[str, str, object]]:
    for p in resolver.url_patterns:
        piece = _route(p)
        if isinstance(p, URLResolver):
            yield from _patterns(p, prefix + piece, f"{ns}{p.namespace}:" if p.namespace else ns)
        elif isinstance(p, URLPattern):
            yield prefix + piece, f"{ns}{p.name}" if p.name else "", p.callback


def _route(p: URLPattern | URLResolver) -> str:
    regex = getattr(p.pattern, "_regex", None)
    if regex is not None and not hasattr(p.pattern, "_route"):
        return regex.removeprefix("^").removesuffix("$").removesuffix(r"\Z")
    return str(p.pattern)


def _views(callback: object, name: str) -> list[object]:
    """The functions or classes behind a URL: a class-based view's class, an undecorated function, or the
    django-ninja operation(s) of that URL name."""
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return [view_class]
    fn = inspect.unwrap(callback)
    if isinstance(fn, functools.partial):
        fn = inspect.unwrap(fn.func)
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            operations = getattr(cell.cell_contents, "operations", None)
        except ValueError:  # an empty cell
            continue
        if operations:
            short = name.rpartition(":")[2]
            ops = [op for op in operations if getattr(op, "url_name", None) == short] or list(operations)
            return [inspect.unwrap(op.view_func) for op in ops]
    return [fn]


@functools.lru_cache(maxsize=1024)
def _relative(file: str | None, root: Path) -> str | None:
    if not file:
        return None
    path = Path(file).resolve()
    if not path.is_relative_to(root) or not _ours(rel := path.relative_to(root)):
        return None
    return rel.as_posix()


def pages(root: Path) -> list[Page]:
    out = set()
    for route, name, callback in _patterns(get_resolver()):
        for view in _views(callback, name):
            module = sys.modules.get(getattr(view, "__module__", "") or "")
            rel = _relative(getattr(module, "__file__", None), root)
            if rel is None:
                continue
            qualname = getattr(view, "__qualname__", "").split(".<locals>")[0]
            out.add(Page("/" + route, name, Place(rel, qualname)))
    return sorted(out)


# --- the map ------------------------------------------------------------------------------------------------------


@dataclass
class Entry:
    requirement: Requirement
    pages: list[Page] = field(default_factory=list)
    code: dict[Place, None] = field(default_factory=dict)  # ordered set
    templates: list[str] = field(default_factory=list)
    indicators: list[catalogue.Indicator] = field(default_factory=list)
    tests: list[Place] = field(default_factory=list)

    @property
    def has_code(self) -> bool:
        return bool(self.pages or self.code or self.templates)


@dataclass
class Map:
    requirements: list[Requirement]
    entries: dict[str, Entry]
    unknown: list[tuple[str, str]]  # (ID, where) for IDs that are not in the list
    apps: list[str]
    page_modules: set[str]

    def leaves(self) -> list[Entry]:
        parents = {r.parent for r in self.requirements if r.parent}
        return [self.entries[r.id] for r in self.requirements if r.id not in parents]

    def children(self, rid: str) -> list[Requirement]:
        return [r for r in self.requirements if r.parent == rid]


def build(root: Path | None = None) -> Map:
    root = root or repo_root()
    requirements = load_requirements()
    known = {r.id for r in requirements}
    entries = {r.id: Entry(r) for r in requirements}
    unknown: set[tuple[str, str]] = set()
    found = scan(root, known)

    def add(rids: Iterable[str], where: str, put) -> None:
        for rid in sorted(set(rids), key=id_key):
            if rid in entries:
                put(entries[rid])
            else:
                unknown.add((rid, where))

    all_pages = pages(root)
    page_modules = {p.view.path for p in all_pages}
    for page in all_pages:
        marks = found.code.get(page.view.path)
        if marks is not None:
            add(marks.of_view(page.view.name), page.view.path, lambda e, p=page: e.pages.append(p))
    for path in sorted(found.code):
        for place, ids in found.code[path].places():
            add(ids, _where(place), lambda e, p=place: e.code.setdefault(p))
    for path, ids in sorted(found.templates.items()):
        add(ids, path, lambda e, p=path: e.templates.append(p))
    for ind in sorted(catalogue.load().indicators, key=lambda i: i.code):
        add([ind.requirement], f"indicator {ind.code}", lambda e, i=ind: e.indicators.append(i))
    for place, ids in sorted(found.tests.items()):
        add(ids, _where(place), lambda e, p=place: e.tests.append(p))
    return Map(
        requirements, entries, sorted(unknown, key=lambda u: (id_key(u[0]), u[1])), found.apps, page_modules
    )


def _where(place: Place) -> str:
    return f"{place.path} {place.name}" if place.name else place.path


# --- the page -----------------------------------------------------------------------------------------------------


def _kind(path: str, page_modules: set[str]) -> str:
    stem = path.rpartition("/")[2].removesuffix(".py")
    if path in page_modules:
        return "Views and API"
    for word, kind in (("services", "Services"), ("selectors", "Selectors"), ("models", "Models")):
        if word in stem:
            return kind
    return "Other code"


_KINDS = ("Services", "Selectors", "Models", "Other code", "Views and API")


def grouped(paths: Iterable[str]) -> str:
    """``care/plans/services.py, care/plans/selectors.py`` → ``care/plans/{selectors,services}.py``."""
    by_dir: dict[str, list[str]] = defaultdict(list)
    for p in sorted(set(paths)):
        folder, _, name = p.rpartition("/")
        by_dir[folder].append(name)
    parts = []
    for folder, names in sorted(by_dir.items()):
        lead = f"{folder}/" if folder else ""
        suffixes = {Path(n).suffix for n in names}
        if len(names) == 1 or len(suffixes) != 1:
            parts.append(f"{lead}{names[0]}" if len(names) == 1 else f"{lead}{{{','.join(names)}}}")
            continue
        (suffix,) = suffixes
        stems = [n.removesuffix(suffix) for n in names]
        common = os.path.commonprefix(stems)
        common = common[: common.rfind("_") + 1] if "_" in common else ""
        if any(s == common for s in stems):
            common = ""
        parts.append(f"{lead}{common}{{{','.join(s[len(common) :] for s in stems)}}}{suffix}")
    return ", ".join(parts)


def _summary(m: Map, e: Entry) -> str:
    r = e.requirement
    kids = m.children(r.id)
    parts = []
    code_paths = [p.path for p in e.code if p.path not in m.page_modules and not p.path.endswith("/apps.py")]
    if code_paths:
        parts.append(f"code: {grouped(code_paths)}")
    if e.pages:
        routes = sorted({p.route for p in e.pages})
        more = f" (+{len(routes) - _PAGE_SHOWN} more)" if len(routes) > _PAGE_SHOWN else ""
        parts.append(f"pages: {', '.join(f'`{x}`' for x in routes[:_PAGE_SHOWN])}{more}")
    elif view_paths := [p.path for p in e.code if p.path in m.page_modules]:
        parts.append(f"views: {grouped(view_paths)}")
    if e.templates:
        parts.append(f"templates: {grouped(e.templates)}")
    if e.indicators:
        parts.append(f"indicators: {', '.join(f'`{i.code}`' for i in e.indicators)}")
    if e.tests:
        parts.append(f"tests: {grouped(t.path for t in e.tests)}")
    missing = _missing(m, e)
    if kids:
        span = f"{kids[0].id}–{kids[-1].id}" if len(kids) > 1 else kids[0].id
        head = f"see {span}; as a whole — " if parts else f"see {span}"
        return f"- **{r.id}** {r.title} — {head}{'; '.join(parts)}"
    if missing:
        parts.append(f"**missing: {missing}**")
    return f"- **{r.id}** {r.title} — {'; '.join(parts)}"


def _missing(m: Map, e: Entry) -> str:
    if m.children(e.requirement.id):
        return ""
    if not e.has_code and not e.indicators:
        return "nothing names it — no code, no indicator, no test" if not e.tests else "no code, no indicator"
    gaps = []
    if not e.has_code:
        gaps.append("no code carries its marker (only the indicator)")
    if not e.tests:
        gaps.append("no test names it")
    return "; ".join(gaps)


def _details(m: Map, e: Entry) -> list[str]:
    r = e.requirement
    out = [f"### {r.id} {r.title}", ""]
    if r.parent and m.entries[r.parent].has_code:
        out += [f"See also {r.parent} — code that names {r.parent} as a whole.", ""]
    if e.pages:
        out.append(f"- Pages ({len(e.pages)}):")
        out += [
            f"  - `{p.route}`" + (f" `{p.name}`" if p.name else "") + f" — `{p.view.path}` {p.view.name}"
            for p in e.pages
        ]
    by_kind: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for place in e.code:
        names = by_kind[_kind(place.path, m.page_modules)][place.path]
        if place.name:
            names.append(place.name)
    for kind in _KINDS:
        if kind in by_kind:
            out.append(f"- {kind}:")
            for path, names in sorted(by_kind[kind].items()):
                out.append(f"  - `{path}`" + (f" — {', '.join(sorted(set(names)))}" if names else ""))
    if e.templates:
        out.append("- Templates: " + ", ".join(f"`{t}`" for t in e.templates))
    if e.indicators:
        out.append("- Indicators:")
        out += [f"  - `{i.code}` ({i.period}, {i.level}) — {i.name.en}" for i in e.indicators]
    if e.tests:
        by_file: dict[str, list[str]] = defaultdict(list)
        for t in e.tests:
            by_file[t.path].append(t.name)
        out.append("- Tests:")
        for path, names in sorted(by_file.items()):
            named = (["its docstring"] if "" in names else []) + sorted(n for n in names if n)
            out.append(f"  - `{path}` — {', '.join(named)}")
    missing = _missing(m, e)
    if missing:
        out.append(f"- Missing: {missing}.")
    if len(out) == 2:
        out.append("- Nothing in the code names it as a whole; see its sub-items.")
    out.append("")
    return out


def render(m: Map | None = None) -> str:
    m = m or build()
    leaves = m.leaves()
    with_code = [e for e in leaves if e.has_code]
    with_ind = [e for e in leaves if e.indicators]
    with_tests = [e for e in leaves if e.tests]
    missing = [e for e in leaves if not e.has_code and not e.indicators]
    untested = [e for e in leaves if (e.has_code or e.indicators) and not e.tests]
    ids = ", ".join
    root = repo_root()

    def rel(path: Path) -> str:
        return path.resolve().relative_to(root).as_posix()

    lines = [
        "# Requirements → code",
        "",
        f"<!-- Generated by `{COMMAND}` ({rel(Path(__file__))}). Do not edit by hand:",
        "a test fails when this page differs from what the code carries. -->",
        "",
        'Where each requirement of the plan is met: "where is the code for R12?" is its line in the summary below.',
        "Everything here is read from the repository:",
        "",
        f"- **Requirements**: `{rel(REQUIREMENT_FILE)}`, the repository's copy of the IDs of the mission's",
        "  `REQUIREMENTS.md` (`../shared/mission/REQUIREMENTS.md`) with one-line titles; the full wording is there.",
        "- **Markers**: a requirement ID in a docstring, comment or string of the apps' modules (not migrations, not",
        "  tests) or in a template. A range (R6–R8) stands for each ID in it; a bare ID with sub-items (R3) for the",
        "  requirement as a whole. Inside a function or class, or in the comment just above it, a marker names that",
        "  function or class; in a section comment (`# --- home visits (R10) ---`), the public functions and classes",
        "  below it; elsewhere, the module.",
        "  The apps read: " + ", ".join(f"`{a}/`" for a in m.apps) + ".",
        "- **Pages**: the URLs whose view (function, class or API operation) carries the marker, itself or through",
        "  its section; a view that carries none takes its module docstring's, less those a section claims.",
        f"- **Indicators**: the `requirement` of each entry of `{rel(catalogue.CATALOGUE_FILE)}`.",
        "- **Tests**: test modules whose docstring names the ID, and tests whose name (`test_r4_3_…`), docstring",
        "  or comments do.",
        "",
        "The summary line leaves out the apps' `apps.py` overviews and the view modules (their pages stand for",
        "them); the details list everything.",
        f"Regenerate with `{COMMAND}` (`make requirements-map`);",
        "with `--check` it writes nothing and exits non-zero when this page is stale.",
        "",
        "## Summary",
        "",
        f"Of {len(leaves)} requirements (the sub-items, and the requirements without any): {len(with_code)} have"
        f" code, {len(with_ind)} an indicator, {len(with_tests)} a test naming them.",
        f"Nothing names {len(missing)}: {ids(e.requirement.id for e in missing) or 'none'}."
        f" Code or an indicator but no test: {ids(e.requirement.id for e in untested) or 'none'}.",
        "",
    ]
    lines += [_summary(m, m.entries[r.id]) for r in m.requirements]
    lines += ["", "## Details", ""]
    for r in m.requirements:
        lines += _details(m, m.entries[r.id])
    if m.unknown:
        lines += ["## Markers that name no requirement of the list", ""]
        lines += [f"- {rid} in `{where}`" for rid, where in m.unknown]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def counts(m: Map) -> dict[str, int]:
    leaves = m.leaves()
    return {
        "requirements": len(leaves),
        "with code": sum(e.has_code for e in leaves),
        "with indicators": sum(bool(e.indicators) for e in leaves),
        "with tests": sum(bool(e.tests) for e in leaves),
        "missing": sum(not e.has_code and not e.indicators for e in leaves),
    }


def stale_diff(current: str, expected: str, limit: int = 40) -> str:
    diff = difflib.unified_diff(
        current.splitlines(), expected.splitlines(), "docs/requirements.md", "generated", lineterm=""
    )
    return "\n".join(list(diff)[:limit])
