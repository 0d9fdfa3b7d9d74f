"""Helpers for the worked examples: build answer sheets with a chosen total."""

from __future__ import annotations

from screening.instruments import Instrument


def sheet_with_total(
    inst: Instrument, total: int, items: list[str] | None = None, fill: dict | None = None
) -> dict:
    """Answers whose keyed sum over `items` (default: the `total` score's items) is `total`, filling items in order
    with their highest keyed value first; every other item gets its lowest keyed value. `fill` overrides."""
    items = items or inst.score_def("total").items
    answers: dict = {}
    for item in inst.items:
        if item.show_if is not None:
            continue
        answers[item.id] = _raw_for(item, item.low)
    left = total
    for item_id in items:
        item = inst.item(item_id)
        want = min(item.high, left + item.low)
        answers[item_id] = _raw_for(item, want)
        left -= want - item.low
    assert left == 0, f"{inst.id}: {total} is out of range"
    answers.update(fill or {})
    return answers


def _raw_for(item, keyed: int) -> int:
    """The raw answer that counts as `keyed` (reverse items flipped)."""
    return item.low + item.high - keyed if item.reverse else keyed
