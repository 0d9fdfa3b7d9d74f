"""Re-score stored responses under another instrument version, keeping the old results (issue 3, deliverable 6).

    python manage.py rescore --instrument phq-a --to-version 1.1 [--batch 20000]

Answers are read in batches into a matrix (rows = responses, columns = items, NaN = missing) and scored with
``screening.instruments.batch.score_many`` (vectorized); new ``Result`` rows are bulk-inserted next to the old ones.

Levels (issue 15): a re-scored sheet keeps the level rules it was first rated by — the rule-set version of its
latest result (NULL: the built-in defaults) — never the district's newer rules; the new result records that same
version. A district's rule change applies to new submits only (docs/alerts.md).
"""

from __future__ import annotations

import time

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery

from screening.campaigns.models import Answer, Response, ResponseStatus, Result


class Command(BaseCommand):
    help = "Re-score submitted responses of an instrument under a new version (old results are kept)."

    def add_arguments(self, parser):
        parser.add_argument("--instrument", required=True)
        parser.add_argument("--to-version", required=True)
        parser.add_argument("--batch", type=int, default=20000)

    def handle(self, *args, instrument: str, to_version: str, batch: int, **options):
        from screening.instruments import load
        from screening.instruments.batch import REFUSED_CODE, score_many
        from screening.rules.level_rules import rules_of

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
            rated_by = Subquery(
                Result.objects.filter(response=OuterRef("pk"))
                .order_by("-computed_at", "-pk")
                .values("rule_set")[:1]
            )
            rows = list(
                base.filter(pk__gt=last)
                .annotate(rated_by=rated_by)
                .values_list("pk", "variant", "rated_by")[:batch]
            )
            if not rows:
                break
            ids = [pk for pk, _v, _r in rows]
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
            for variant, rule_set in {(v, r) for _pk, v, r in rows}:
                sel = np.array([i for i, (_pk, v, r) in enumerate(rows) if (v, r) == (variant, rule_set)])
                rules = rules_of(rule_set)
                scored = score_many(inst, matrix[sel], variant=variant or None, rules=rules)
                results += self._results(
                    [ids[i] for i in sel], inst, scored, matrix[sel], variant or None, rules, rule_set
                )
            with transaction.atomic():
                _insert(results)
            done += len(ids)
            last = ids[-1]
        seconds = time.perf_counter() - started
        rate = done / seconds if seconds else 0
        self.stdout.write(
            f"re-scored {done} responses of {inst.id} under {inst.version} in {seconds:.2f} s ({rate:,.0f}/s)"
        )

    @staticmethod
    def _results(
        response_ids: list[int],
        inst,
        scored,
        matrix: np.ndarray,
        variant: str | None,
        level_rules,
        rule_set: int | None,
    ) -> list[Result]:
        """``score_many``'s columns as Result rows. The sheets that need words — a suggested level, a positive
        screen, a critical answer or an invalid sheet, usually a minority — are scored once more with
        ``score()`` for their reason texts (zh + en), so a re-scored result explains itself exactly as a
        submitted one does; the rest have no reason to give."""
        from screening.campaigns.services import result_flags
        from screening.instruments.batch import REFUSED_CODE
        from screening.instruments.scoring import REFUSED, score

        scores = {
            name: [None if np.isnan(x) else float(x) for x in v.tolist()] for name, v in scored.scores.items()
        }
        bands = {name: v.tolist() for name, v in scored.bands.items()}
        rules = {rule: hits.tolist() for rule, hits in scored.critical_rules.items()}
        valid, positive = scored.valid.tolist(), scored.positive.tolist()
        critical, acute, levels = scored.critical.tolist(), scored.acute.tolist(), scored.levels.tolist()
        out = []
        for k, pk in enumerate(response_ids):
            if levels[k] != "none" or positive[k] or critical[k] or not valid[k]:
                sheet = {
                    item.id: None if np.isnan(x) else REFUSED if x == REFUSED_CODE else int(x)
                    for item, x in zip(inst.items, matrix[k].tolist(), strict=True)
                }
                flags = result_flags(score(inst, sheet, variant=variant, rules=level_rules))
            else:
                flags = {"flags": [], "critical": [], "invalid_reasons": [], "positive": False, "reasons": []}
            flags["rescored"] = True
            flags["critical_rules"] = [rule for rule, hits in rules.items() if hits[k]]
            out.append(
                Result(
                    response_id=pk,
                    instrument_id=inst.id,
                    instrument_version=inst.version,
                    valid=valid[k],
                    scores={name: col[k] for name, col in scores.items()},
                    bands={name: str(col[k]) for name, col in bands.items() if col[k]},
                    flags=flags,
                    critical=critical[k],
                    acute=acute[k],
                    level=levels[k],
                    rule_set_id=rule_set,
                )
            )
        return out


def _insert(results: list[Result]) -> None:
    """Bulk INSERT … ON CONFLICT DO NOTHING through the cursor: the ORM's per-row preparation cost more than
    scoring (~150 µs a row). Values go through each field's own ``get_db_prep_value`` (so ``flags`` is encrypted
    exactly as the ORM would), and a result already stored for the version is left alone."""
    if not results:
        return
    fields = [Result._meta.get_field(name) for name in (
        "response", "instrument_id", "instrument_version", "valid", "scores", "bands", "flags", "critical", "acute",
        "level", "rule_set", "computed_at",
    )]  # fmt: skip
    json_cast = "::jsonb" if connection.vendor == "postgresql" else ""
    marks = ", ".join(f"%s{json_cast}" if f.name in {"scores", "bands"} else "%s" for f in fields)
    sql = (
        f"INSERT INTO {Result._meta.db_table} ({', '.join(f.column for f in fields)}) VALUES ({marks}) "  # noqa: S608 (names from the model)
        "ON CONFLICT DO NOTHING"
    )
    rows = [[f.get_db_prep_save(getattr(r, f.attname), connection) for f in fields] for r in results]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])
