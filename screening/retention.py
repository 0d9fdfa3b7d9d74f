"""Retention of identified screening answers (access.retention; docs/privacy.md): the answers of a student who
left school are deleted after the configured period (default 3 years). Results (scores, bands, level) stay for
the aggregates and the care history; the item-by-item answers are what identifies most and goes first."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from access import retention


def register() -> None:
    from screening.models import Answer

    retention.register(
        retention.Category(
            name="screening_answers",
            label=_("Identified screening answers"),
            basis=retention.LEAVING,
            action=retention.DELETE,
            rows=lambda day: Answer.objects.filter(
                retention.left_before_q(day, "response__assignment__student")
            ),
        )
    )
