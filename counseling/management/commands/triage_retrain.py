"""python manage.py triage_retrain [--dry-run] — retrain the crisis triage's n-gram model from the repository's
training sets plus the counselors' labels (R4.2, issue 16 build 3), and adopt the candidate only if it loses
recall on no held-out set: each counseling/data/triage_heldout*.tsv and the held-out part of the labels (one in
five, chosen by a hash of the text). Prints the comparison per set and why the model was kept or replaced.
``--dry-run`` trains and compares but writes nothing. Audited."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from access import audit
from counseling.centre import training, triage
from counseling.centre.models import RiskLabel, TriageLabel
from counseling.centre.triage import Labelled


class Command(BaseCommand):
    help = "Retrain the crisis triage's n-gram model with the counselors' labels; adopt it only without recall loss."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="train and compare; write nothing")
        parser.add_argument(
            "--model", default=str(triage.MODEL_PATH), help="the model in use (replaced if adopted)"
        )
        parser.add_argument("--l2", type=float, default=0.02)
        parser.add_argument("--threshold", type=float, default=0.5)

    def handle(self, *args, **options):
        model_path = Path(options["model"])
        labels = [
            Labelled(crisis=label != RiskLabel.NONE, category=f"label:{label}", text=text)
            for text, label in TriageLabel.objects.order_by("pk").values_list("text", "label")
        ]
        label_train, label_test = training.split_labels(labels)
        rows = training.training_rows() + label_train
        self.stdout.write(
            f"training on {len(rows)} messages ({sum(r.crisis for r in rows)} crisis): the repository's training "
            f"sets and {len(label_train)} of {len(labels)} counselors' labels ({len(label_test)} held out)"
        )
        candidate = training.train(rows, l2=options["l2"], threshold=options["threshold"])
        current = training.read_model(model_path)

        sets = training.heldout_sets()
        sets["counselors' labels (held out)"] = label_test
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

        if losses:
            verdict = "kept the model in use: the candidate loses recall on " + ", ".join(losses)
        elif options["dry_run"]:
            verdict = (
                "would replace the model in use: the candidate loses recall on no held-out set (dry run)"
            )
        else:
            verdict = "replaced the model in use: the candidate loses recall on no held-out set"
        adopt = not losses and not options["dry_run"]
        if adopt:
            candidate_path = model_path.with_name(model_path.stem + ".candidate.json")
            training.write_model(
                candidate,
                candidate_path,
                about="crisis triage character 1-3-gram logistic regression; manage.py triage_retrain; trained on "
                + ", ".join(training.TRAINING)
                + f" and {len(label_train)} counselors' labels",
            )
            candidate_path.replace(
                model_path
            )  # one rename: a reader sees the old model or the new, never half
            triage.ngram_model.cache_clear()
        audit.record(
            actor=None,
            action="counseling.triage.retrain",
            detail={
                "adopted": adopt,
                "dry_run": options["dry_run"],
                "labels": len(labels),
                "held_out_labels": len(label_test),
                "losses": losses,
            },
        )
        self.stdout.write(verdict)
