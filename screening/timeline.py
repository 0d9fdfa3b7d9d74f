"""Screening's entries on the student file (一人一档): each submitted instrument with its scores and bands, and
the scores as measures for the year-over-year charts. Scores are T3 (a class teacher sees none of this).

Registered with ``care.file.timeline`` in ``ScreeningConfig.ready()`` (care may not import screening). One query
whatever the number of years screened.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access.tiers import Tier
from care.file.timeline import Entry, Filters, Measure
from org.models import Student, User
from screening import instruments
from screening.models import ResponseStatus, Result

KINDS = {"screening": gettext_lazy("Screenings")}


def _text(value: dict | str, lang_zh: bool) -> str:
    if isinstance(value, dict):
        return (
            (value.get("zh-hans") if lang_zh else value.get("en"))
            or value.get("zh-hans")
            or value.get("en")
            or ""
        )
    return str(value or "")


def screening_results(viewer: User, student: Student, tier: Tier, filters: Filters) -> Iterable[Entry]:
    """测评结果 — the latest scoring of each submitted response (a re-score replaces the older version)."""
    if tier < Tier.T3:
        return []
    from django.utils.translation import get_language

    lang_zh = (get_language() or "zh-hans").lower().startswith("zh")
    rows = (
        Result.objects.filter(
            response__assignment__student=student,
            response__status=ResponseStatus.SUBMITTED,
            **filters.range("response__submitted_at", "response__assignment__school_id"),
        )
        .select_related("response__assignment__campaign")
        .defer("flags")  # T3 reasons, not shown here: no decryption per row
        .order_by("response_id", "computed_at", "pk")
    )
    latest: dict[int, Result] = {}
    for r in rows:
        latest[r.response_id] = r  # ordered by computed_at: the last one wins
    out = []
    for r in latest.values():
        assignment = r.response.assignment
        try:
            inst = instruments.load(r.instrument_id, r.instrument_version)
        except KeyError:
            inst = None
        abbr = inst.abbr if inst else r.instrument_id
        labels = {s.id: _text(s.label, lang_zh) for s in (inst.scores if inst else [])}
        bands = {
            s.id: {b.code: _text(b.label, lang_zh) for b in s.bands} for s in (inst.scores if inst else [])
        }
        parts, measures = [], []
        for score_id, value in (r.scores or {}).items():
            if value is None:
                continue
            label = labels.get(score_id, score_id)
            band = bands.get(score_id, {}).get((r.bands or {}).get(score_id, ""), "")
            shown = f"{value:g}" if isinstance(value, int | float) else str(value)
            parts.append(f"{label} {shown}" + (f" ({band})" if band else ""))
            if isinstance(value, int | float):
                measures.append(Measure(chart=abbr, series=label, value=float(value)))
        if not r.valid:
            parts.append(_("not valid"))
        out.append(
            Entry(
                at=r.response.submitted_at,
                kind="screening",
                title=_("Screening: %(instrument)s — %(campaign)s")
                % {"instrument": abbr, "campaign": assignment.campaign.name},
                school_id=assignment.school_id,
                level=r.level if r.level != "none" else "",
                summary="; ".join(parts),
                measures=tuple(measures) if r.valid else (),
            )
        )
    return out
