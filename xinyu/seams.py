"""Public seams between apps (issue 17, item 2), checked by ``lint-imports`` as a contract of its own.

What one app takes from another is a *public* name — never one that starts with ``_`` — and never another app's
views: an app reaches another through its ``models``, ``services``, ``selectors`` and ``providers`` (and the
registries those expose). The layers contract (pyproject.toml) says which way imports may go; this one says
through which door.

An app is a top-level package (``care``, ``screening`` …); ``xinyu`` (the shell, ``xinyu.web`` and
``xinyu.api``) counts as one. The check reads each module's syntax tree, so it also sees a private name reached
through a module alias (``from care.plans import selectors as s`` … ``s._state``) and names imported inside a
function, which the import graph alone would not tell apart.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


@dataclass(frozen=True, order=True)
class Breach:
    """One import that crosses into another app through a door that is not public."""

    importer: str
    line: int
    imported: str
    why: str

    def __str__(self) -> str:
        return f"{self.importer}:{self.line} imports {self.imported} — {self.why}"


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _is_views(dotted: str) -> bool:
    return "views" in dotted.split(".")


def _modules(root: Path, app: str) -> Iterator[tuple[str, Path]]:
    base = root / app
    for path in sorted(base.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def _breaches_in(module: str, tree: ast.AST, apps: frozenset[str]) -> Iterator[Breach]:
    own = module.split(".")[0]

    def foreign(dotted: str) -> bool:
        top = dotted.split(".")[0]
        return top in apps and top != own

    aliases: dict[str, str] = {}  # a local name bound to another app's module → that module
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not foreign(alias.name):
                    continue
                if _is_views(alias.name):
                    yield Breach(module, node.lineno, alias.name, "another app's views")
                if alias.asname:
                    aliases[alias.asname] = alias.name
                if any(_is_private(part) for part in alias.name.split(".")):
                    yield Breach(module, node.lineno, alias.name, "a private module of another app")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and foreign(node.module):
            if any(_is_private(part) for part in node.module.split(".")):
                yield Breach(module, node.lineno, node.module, "a private module of another app")
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if _is_private(alias.name):
                    yield Breach(module, node.lineno, full, "a private name of another app")
                elif _is_views(full):
                    yield Breach(module, node.lineno, full, "another app's views")
                aliases[alias.asname or alias.name] = full
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and _is_private(node.attr)
        ):
            target = aliases[node.value.id]
            yield Breach(module, node.lineno, f"{target}.{node.attr}", "a private name of another app")


def seam_breaches(root: Path, apps: Iterable[str]) -> list[Breach]:
    """Every import in ``apps`` (top-level packages under ``root``) that takes a private name or views across
    apps, sorted. Migrations are not read: they are history."""
    apps = frozenset(apps)
    found: set[Breach] = set()
    for app in sorted(apps):
        for module, path in _modules(root, app):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            found.update(_breaches_in(module, tree, apps))
    return sorted(found)


class PublicSeamsContract(Contract):
    """import-linter contract ``public_seams``: ``apps`` lists the top-level packages that are apps."""

    type_name = "public_seams"

    apps = fields.ListField(subfield=fields.StringField())

    def check(self, graph, verbose: bool) -> ContractCheck:  # noqa: ARG002 — the tree is read, not the graph
        breaches = seam_breaches(Path.cwd(), self.apps)
        return ContractCheck(
            kept=not breaches, warnings=[], metadata={"breaches": [str(b) for b in breaches]}
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error(
            "An app takes from another only public names of its models/services/selectors/providers:",
            bold=False,
        )
        output.new_line()
        for line in check.metadata["breaches"]:
            output.print_error(f"- {line}", bold=False)
        output.new_line()
