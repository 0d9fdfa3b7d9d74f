"""Re-score stored responses under another instrument version, keeping the old results (issue 3, deliverable 6).

    python manage.py rescore --instrument phq-a --to-version 1.1 [--batch 20000]

Answers are read in batches into a matrix (rows = responses, columns = items, NaN = missing) and scored with
``screening.batch.score_many`` (vectorized); new ``Result`` rows are bulk-inserted next to the old ones.
"""

from __future__ import annotations

import time

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from screening.models import Answer, Response, ResponseStatus, Result


class Command(BaseCommand):
    help = "Re-score submitted responses of an instrument under a new version (old results are kept)."

    def add_arguments(self, parser):
        parser.add_argument("--instrument", required=True)
        parser.add_argument("--to-version", required=True)
        parser.add_argument("--batch", type=int, default=20000)

    def handle(self, *args, instrument: str, to_version: str, batch: int, **options):
        from screening.batch import REFUSED_CODE, score_many
        from screening.instruments import load

        try:
            inst = load(instrument, to_version)
        except KeyError as exc:
            raise CommandError(str(exc)) from None
        col = {item.id: j for j, item in enumerate(inst.items)}
        base = (
            Response.objects.filter(instrument_id=inst.id, status=ResponseStatus.SUBMITTED)
            .exclude(results__instrument_version=inst.version)
            .order_by("pk")
        )
        done, last, started = 0, 0, time.perf_counter()
        while True:
            rows = list(base.filter(pk__gt=last).values_list("pk", "variant")[:batch])
            if not rows:
                break
            ids = [pk for pk, _v in rows]
            at = {pk: i for i, pk in enumerate(ids)}
            matrix = np.full((len(ids), len(inst.items)), np.nan)
            answers = Answer.objects.filter(response_id__in=ids).values_list(
                "response_id", "item_id", "value", "refused"
            )
            for response_id, item_id, value, refused in answers.iterator(chunk_size=50_000):
                j = col.get(item_id)
                if j is None:
                    continue  # an item the new version dropped
                if refused:
                    matrix[at[response_id], j] = REFUSED_CODE
                elif value is not None:
                    matrix[at[response_id], j] = value
            results: list[Result] = []
            for variant in {v for _pk, v in rows}:
                sel = np.array([i for i, (_pk, v) in enumerate(rows) if v == variant])
                scored = score_many(inst, matrix[sel], variant=variant or None)
                results += [self._result(ids[i], inst, scored, k) for k, i in enumerate(sel)]
            with transaction.atomic():
                Result.objects.bulk_create(results, batch_size=5000, ignore_conflicts=True)
            done += len(ids)
            last = ids[-1]
        seconds = time.perf_counter() - started
        rate = done / seconds if seconds else 0
        self.stdout.write(
            f"re-scored {done} responses of {inst.id} under {inst.version} in {seconds:.2f} s ({rate:,.0f}/s)"
        )

    @staticmethod
    def _result(response_id: int, inst, scored, k: int) -> Result:
        """Row ``k`` of ``score_many``'s output as a Result (reasons are left to ``score()`` on demand)."""
        scores = {name: (None if np.isnan(v[k]) else float(v[k])) for name, v in scored.scores.items()}
        bands = {name: str(v[k]) for name, v in scored.bands.items() if v[k]}
        fired = [rule for rule, hits in scored.critical_rules.items() if hits[k]]
        return Result(
            response_id=response_id,
            instrument_id=inst.id,
            instrument_version=inst.version,
            valid=bool(scored.valid[k]),
            scores=scores,
            bands=bands,
            flags={
                "rescored": True,
                "critical_rules": fired,
                "positive": bool(scored.positive[k]),
                "reasons": [],
            },
            critical=bool(scored.critical[k]),
            acute=bool(scored.acute[k]),
            level=str(scored.levels[k]),
        )
