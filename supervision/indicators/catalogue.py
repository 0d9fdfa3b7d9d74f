"""The indicator catalogue (指标体系) as data: ``indicators.yaml``, validated by the pydantic schema below when
the app starts (a malformed entry fails start-up, naming it).

Each indicator names the requirement it measures (R1.1 …), its numerator and denominator in words, the period
it is counted over, the level its figures are computed at (school, or district for district duties), a target
with its direction, whether it counts students' mental-health status (``sensitive``: small cells suppressed
above school level, supervision.dashboards.privacy), and the functions that compute it:

- ``compute``: ``"<module>.<function>"`` under ``supervision.indicators.compute``, called as
  ``fn(period, node_ids) -> {node_id: (numerator, denominator)}`` over the nodes of ``level`` (``node_ids`` None
  = all of them). Grouped queries over the base tables — one or a few per call, never one per node.
- ``details`` (optional): ``fn(node, period) -> list[dict]`` — the non-personal rows behind a school's figure
  (which campuses lack a psychological teacher, which classes are behind on class hours) shown on drill-down.
- ``records`` (optional): the URL name of the page with the identified records behind a school's figure, for the
  people whose own access allows it (that page applies its own policy).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import yaml
from django.utils.translation import get_language
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from org.models import Node

CATALOGUE_FILE = Path(__file__).with_name("indicators.yaml")

Cell = tuple[int, int]  # (numerator, denominator)
ComputeFn = Callable[..., dict[int, Cell]]


class Text(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def __str__(self) -> str:
        return self.en if (get_language() or "zh-hans").startswith("en") else self.zh


class Indicator(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{1,39}$")
    requirement: str = Field(pattern=r"^R\d+(\.\d+)?$")
    name: Text
    numerator: Text
    denominator: Text
    period: Literal["quarter", "semester", "school_year"]
    level: Literal["school", "district"] = "school"
    target: float = Field(ge=0, le=1)  # a share: numerator / denominator
    near: float | None = Field(default=None, ge=0, le=1)  # "near target" from here; default target − 0.1
    direction: Literal["up", "down"] = "up"
    sensitive: bool = False
    compute: str
    details: str | None = None
    records: str | None = None
    group: str = ""  # dashboard section, e.g. "staffing", "screening"

    @model_validator(mode="after")
    def _near_on_the_right_side(self) -> Indicator:
        if self.near is not None and (
            (self.direction == "up" and self.near > self.target)
            or (self.direction == "down" and self.near < self.target)
        ):
            raise ValueError(f"{self.code}: 'near' must lie on the failing side of the target")
        return self

    @property
    def near_bound(self) -> float:
        if self.near is not None:
            return self.near
        return max(0.0, self.target - 0.1) if self.direction == "up" else min(1.0, self.target + 0.1)

    def status(self, numerator: int | None, denominator: int | None) -> str | None:
        """ "met", "near", "not_met", or None when there is nothing to judge (no denominator, or suppressed)."""
        if not denominator or numerator is None:
            return None
        share = numerator / denominator
        if self.direction == "up":
            return "met" if share >= self.target else "near" if share >= self.near_bound else "not_met"
        return "met" if share <= self.target else "near" if share <= self.near_bound else "not_met"

    @property
    def compute_fn(self) -> ComputeFn:
        return _resolve(self.compute)

    @property
    def details_fn(self) -> Callable[[Node, object], list[dict]] | None:
        return _resolve(self.details) if self.details else None


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    indicators: list[Indicator]

    @model_validator(mode="after")
    def _unique_codes(self) -> Catalogue:
        seen: set[str] = set()
        for ind in self.indicators:
            if ind.code in seen:
                raise ValueError(f"indicator code {ind.code!r} appears twice")
            seen.add(ind.code)
        return self


def _resolve(ref: str) -> Callable:
    module, _, name = ref.rpartition(".")
    fn = getattr(importlib.import_module(f"supervision.indicators.compute.{module}"), name, None)
    if not callable(fn):
        raise ImportError(f"supervision.indicators.compute.{ref} is not a function")
    return fn


def parse(text: str, source: str = "indicators.yaml") -> Catalogue:
    try:
        cat = Catalogue.model_validate(yaml.safe_load(text))
    except ValidationError as exc:
        raise ValueError(f"{source}: {exc}") from exc
    for ind in cat.indicators:  # every function named must exist
        ind.compute_fn  # noqa: B018
        ind.details_fn  # noqa: B018
    return cat


@functools.cache
def load() -> Catalogue:
    return parse(CATALOGUE_FILE.read_text(encoding="utf-8"), str(CATALOGUE_FILE))


def indicators(period_kind: str | None = None) -> list[Indicator]:
    return [i for i in load().indicators if period_kind is None or i.period == period_kind]


def get(code: str) -> Indicator:
    for ind in load().indicators:
        if ind.code == code:
            return ind
    raise KeyError(code)
