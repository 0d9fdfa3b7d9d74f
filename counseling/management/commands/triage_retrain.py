"""python manage.py triage_retrain [--dry-run] — retrain the crisis triage's two n-gram models from the repository's
training sets plus the counselors' labels (R4.2, issue 16 build 3), and adopt each candidate only if it loses recall
on no held-out set: each counseling/data/triage_heldout*.tsv and the held-out part of the labels (one in five,
chosen by a hash of the text).

- the crisis model (crisis vs not): its candidate must find as many crisis messages on every held-out set;
- (v10, issue 16) the imminent model (imminent danger vs the rest): trained on the three-class training rows and the
  counselors' three-class labels; its candidate must find as many *imminent* messages on every held-out set that has
  any (the older crisis/no-crisis sets have none to lose).

Each model is kept or replaced on its own. Prints the comparison per set and why each model was kept or replaced.
``--dry-run`` trains and compares but writes nothing. Audited."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from access import audit
from counseling.centre import training, triage
from counseling.centre.models import RiskLabel, TriageLabel
from counseling.centre.triage import Labelled, NgramModel


def _imminent_found(rows: list[Labelled], model: NgramModel | None) -> tuple[int, int, int]:
    """(imminent rows, found as imminent, others flagged imminent) with ``model`` as the imminent model."""
    found = wrong = 0
    for r in rows:
        if triage.score(r.text, imminent_by=model).imminent:
            found += r.imminent
            wrong += not r.imminent
    return sum(r.imminent for r in rows), found, wrong


class Command(BaseCommand):
    help = "Retrain the crisis triage's n-gram models with the counselors' labels; adopt each only without recall loss."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="train and compare; write nothing")
        parser.add_argument(
            "--model", default=str(triage.MODEL_PATH), help="the crisis model in use (replaced if adopted)"
        )
        parser.add_argument(
            "--imminent-model",
            default=str(triage.IMMINENT_MODEL_PATH),
            help="the imminent model in use (replaced if adopted)",
        )
        parser.add_argument("--l2", type=float, default=0.02)
        parser.add_argument("--threshold", type=float, default=0.5)
        parser.add_argument("--imminent-threshold", type=float, default=0.7)

    def handle(self, *args, **options):
        labels = [
            Labelled(
                crisis=label != RiskLabel.NONE,
                category=f"label:{label}",
                text=text,
                risk_class=label,
            )
            for text, label in TriageLabel.objects.order_by("pk").values_list("text", "label")
        ]
        label_train, label_test = training.split_labels(labels)
        sets = training.heldout_sets()
        sets["counselors' labels (held out)"] = label_test
        crisis = self._crisis(options, label_train, labels, label_test, sets)
        imminent = self._imminent(options, label_train, sets)
        audit.record(
            actor=None,
            action="counseling.triage.retrain",
            detail={
                "adopted": crisis["adopted"],
                "dry_run": options["dry_run"],
                "labels": len(labels),
                "held_out_labels": len(label_test),
                "losses": crisis["losses"],
                "imminent_adopted": imminent["adopted"],
                "imminent_losses": imminent["losses"],
            },
        )
        self.stdout.write(crisis["verdict"])
        self.stdout.write(imminent["verdict"])

    def _verdict(self, losses: list[str], dry_run: bool, which: str) -> str:
        if losses:
            return f"kept the {which} in use: the candidate loses recall on " + ", ".join(losses)
        if dry_run:
            return (
                f"would replace the {which} in use: the candidate loses recall on no held-out set (dry run)"
            )
        return f"replaced the {which} in use: the candidate loses recall on no held-out set"

    def _adopt(self, candidate: NgramModel, path: Path, about: str) -> None:
        candidate_path = path.with_name(path.stem + ".candidate.json")
        training.write_model(candidate, candidate_path, about=about)
        candidate_path.replace(path)  # one rename: a reader sees the old model or the new, never half

    def _crisis(self, options, label_train, labels, label_test, sets) -> dict:
        model_path = Path(options["model"])
        rows = training.training_rows() + label_train
        self.stdout.write(
            f"crisis model: training on {len(rows)} messages ({sum(r.crisis for r in rows)} crisis): the "
            f"repository's training sets and {len(label_train)} of {len(labels)} counselors' labels "
            f"({len(label_test)} held out)"
        )
        candidate = training.train(rows, l2=options["l2"], threshold=options["threshold"])
        current = training.read_model(model_path)
        self.stdout.write(
            f"{'held-out set':34} {'n':>4} {'crisis':>6}  recall in use → candidate   precision"
        )
        losses = []
        for name, set_rows in sets.items():
            now, new = training.recall_of(set_rows, current), training.recall_of(set_rows, candidate)
            lost = new.found < now.found  # same set, same crisis count: fewer found is lower recall
            if lost:
                losses.append(name)
            self.stdout.write(
                f"{name:34} {now.n:>4} {now.crisis:>6}  {now.recall:.3f} → {new.recall:.3f}"
                f"{'  LOWER' if lost else '':7}  {now.precision:.3f} → {new.precision:.3f}"
            )
        adopted = not losses and not options["dry_run"]
        if adopted:
            self._adopt(
                candidate,
                model_path,
                about="crisis triage character 1-3-gram logistic regression; manage.py triage_retrain; trained on "
                + ", ".join(training.TRAINING)
                + f" and {len(label_train)} counselors' labels",
            )
            triage.ngram_model.cache_clear()
        return {
            "adopted": adopted,
            "losses": losses,
            "verdict": self._verdict(losses, options["dry_run"], "model"),
        }

    def _imminent(self, options, label_train, sets) -> dict:
        """v10 (issue 16): the imminent model learns from the counselors' imminent labels too."""
        path = Path(options["imminent_model"])
        rows = training.imminent_rows() + label_train
        self.stdout.write(
            f"imminent model: training on {len(rows)} messages ({sum(r.imminent for r in rows)} imminent), with "
            f"{len(label_train)} counselors' labels"
        )
        candidate = training.train_imminent(rows, l2=options["l2"], threshold=options["imminent_threshold"])
        current = training.read_model(path)
        self.stdout.write(
            f"{'held-out set':34} {'n':>4} {'imm.':>6}  imminent recall in use → candidate   others flagged"
        )
        losses = []
        for name, set_rows in sets.items():
            three_class = [r for r in set_rows if r.risk_class]
            total, now, now_wrong = _imminent_found(three_class, current)
            if not total:
                continue  # a crisis/no-crisis set, or no imminent label held out: nothing to lose
            _, new, new_wrong = _imminent_found(three_class, candidate)
            lost = new < now
            if lost:
                losses.append(name)
            self.stdout.write(
                f"{name:34} {len(three_class):>4} {total:>6}  {now / total:.3f} → {new / total:.3f}"
                f"{'  LOWER' if lost else '':7}  {now_wrong} → {new_wrong}"
            )
        adopted = not losses and not options["dry_run"]
        if adopted:
            self._adopt(
                candidate,
                path,
                about="imminent danger vs the rest, character 1-3-gram logistic regression; manage.py "
                "triage_retrain; trained on the three-class rows of "
                + ", ".join(training.IMMINENT_TRAINING)
                + f" and {len(label_train)} counselors' labels",
            )
            triage.imminent_model.cache_clear()
        return {
            "adopted": adopted,
            "losses": losses,
            "verdict": self._verdict(losses, options["dry_run"], "imminent model"),
        }
