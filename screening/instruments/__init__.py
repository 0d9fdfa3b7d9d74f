"""Instrument definitions as data (issue 3, deliverable 1): `load(id, version)` and `catalogue()`.

Each instrument version is one YAML file in `definitions/` named `<id>@<version>.yaml`, validated against the
pydantic schema in `schema.py` when loaded (a malformed file fails loudly, naming the file). `schema.json` is
the same schema as JSON Schema, for people writing their own definitions; a test keeps it in sync.
A district holding a licence (MHT, C-SSRS, …) can load its own file with `load_file(path)`.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import yaml
from pydantic import ValidationError

from .schema import (
    Band,
    Condition,
    CriticalRule,
    InvalidIf,
    Item,
    Option,
    Score,
    StraightLine,
    Threshold,
    Validity,
    json_schema,
)
from .schema import Instrument as Instrument

__all__ = [
    "Band",
    "Condition",
    "CriticalRule",
    "Instrument",
    "InvalidIf",
    "Item",
    "Option",
    "Score",
    "StraightLine",
    "Threshold",
    "Validity",
    "DEFINITIONS",
    "catalogue",
    "load",
    "load_file",
    "versions",
    "json_schema",
    "write_json_schema",
    "SCHEMA_JSON",
]

DEFINITIONS = Path(__file__).parent / "definitions"
SCHEMA_JSON = Path(__file__).parent / "schema.json"


def schema_json_text() -> str:
    return json.dumps(json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_json_schema() -> None:
    """Regenerate schema.json: `python -c "from screening.instruments import write_json_schema as w; w()"`."""
    SCHEMA_JSON.write_text(schema_json_text(), encoding="utf-8")


class DefinitionError(ValueError):
    """A definition file that does not match the schema."""


def load_file(path: str | Path) -> Instrument:
    """Read and validate one definition file."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise DefinitionError(f"{path.name}: not valid YAML: {exc}") from exc
    try:
        return Instrument.model_validate(data)
    except ValidationError as exc:
        raise DefinitionError(f"{path.name}: {exc}") from exc


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in version.split("."))


@functools.cache
def _all() -> dict[tuple[str, str], Instrument]:
    found: dict[tuple[str, str], Instrument] = {}
    for path in sorted(DEFINITIONS.glob("*.yaml")):
        inst = load_file(path)
        expected = f"{inst.id}@{inst.version}.yaml"
        if path.name != expected:
            raise DefinitionError(
                f"{path.name}: a file for {inst.id} version {inst.version} must be named {expected}"
            )
        found[(inst.id, inst.version)] = inst
    return found


def versions(instrument_id: str) -> list[str]:
    """Every shipped version of an instrument, oldest first."""
    return sorted((v for (i, v) in _all() if i == instrument_id), key=_version_key)


def load(instrument_id: str, version: str | None = None) -> Instrument:
    """The definition of `instrument_id` at `version` (the latest when None). KeyError names what exists."""
    known = versions(instrument_id)
    if not known:
        ids = sorted({i for (i, _) in _all()})
        raise KeyError(f"unknown instrument {instrument_id!r}; shipped: {', '.join(ids)}")
    if version is None:
        version = known[-1]
    if version not in known:
        raise KeyError(f"{instrument_id} has no version {version!r}; shipped: {', '.join(known)}")
    return _all()[(instrument_id, version)]


def catalogue() -> list[Instrument]:
    """Every shipped definition (every version), ordered by id then version."""
    return sorted(_all().values(), key=lambda i: (i.id, _version_key(i.version)))
