"""``manage.py triage_retrain`` (R4.2, issue 16 build 3): the models are retrained from the training sets plus the
counselors' labels, and a candidate replaces the model in use only if it loses recall on no held-out set — the crisis
model's crisis recall, and (v10) the imminent model's imminent recall."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from access.models import AuditEvent
from counseling.centre import training
from counseling.centre.models import TriageLabel
from counseling.centre.triage import IMMINENT_MODEL_PATH, Labelled

LABELS = [
    ("我已经写好遗书了，今晚就走", "imminent"),
    ("不想活了，每天都在想怎么结束", "risk"),
    ("手腕又划了几道，没人知道", "risk"),
    ("考试没考好，有点难过，周末想出去玩", "none"),
    ("和同桌吵架了，不知道怎么和好", "none"),
    ("妈妈总是拿我和别人比，好烦", "none"),
    ("活着好累，感觉自己是个多余的人", "risk"),
    ("这游戏我又送死了哈哈", "none"),
    ("药已经攒够了，不想再撑了", "imminent"),
    ("最近睡不着，心里空空的", "risk"),
]


def _model_in_use(tmp_path, bias: float, name: str = "triage_ngram.json"):
    """A model in use that flags every message (bias +30) or none (bias −30)."""
    path = tmp_path / name
    path.write_text(
        json.dumps({"about": "test", "threshold": 0.5, "bias": bias, "weights": {}}), encoding="utf-8"
    )
    return path


def _imminent_in_use(tmp_path):
    """A copy of the repository's imminent model (a test never replaces the real one)."""
    path = tmp_path / "triage_imminent.json"
    path.write_text(IMMINENT_MODEL_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def _retrain(path, *extra, imminent=None) -> str:
    out = StringIO()
    imminent = imminent or _imminent_in_use(path.parent)
    call_command(
        "triage_retrain", "--model", str(path), "--imminent-model", str(imminent), *extra, stdout=out
    )
    return out.getvalue()


def _label(world):
    now = timezone.now()
    for text, label in LABELS:
        TriageLabel.objects.create(
            district=world.haidian,
            text=text,
            label=label,
            triage_class="none",
            lexicon_version=6,
            labelled_at=now,
        )


def _quiet_risk_labels(world, n: int = 3) -> None:
    """Held-out labels a counselor marked *risk* on messages that read as everyday (the counselor knew more than the
    text says): the model that flags everything finds them, a real candidate does not."""
    now, made = timezone.now(), 0
    for i in range(200):
        text = f"周末去图书馆看了第{i}本书"
        if training.is_held_out(text):
            TriageLabel.objects.create(
                district=world.haidian,
                text=text,
                label="risk",
                triage_class="none",
                lexicon_version=9,
                labelled_at=now,
            )
            made += 1
            if made == n:
                return


def test_a_candidate_that_loses_recall_on_a_held_out_set_is_refused_and_the_model_kept(tmp_path, world):
    # Since lexicon v9 the repository's held-out sets are all found by any candidate, so the loss is on the
    # counselors' held-out labels (issue 16, i16imm)
    _quiet_risk_labels(world)
    path = _model_in_use(
        tmp_path, bias=30.0
    )  # finds every crisis on every set: any real candidate finds fewer
    before = path.read_text(encoding="utf-8")
    out = _retrain(path)
    assert "kept the model in use: the candidate loses recall on" in out
    assert "counselors' labels (held out)" in out.splitlines()[-2] and "LOWER" in out
    assert path.read_text(encoding="utf-8") == before
    assert not list(tmp_path.glob("*.candidate.json"))
    event = AuditEvent.objects.get(action="counseling.triage.retrain")
    assert event.detail["adopted"] is False and "counselors' labels (held out)" in event.detail["losses"]


def test_a_candidate_that_loses_no_recall_replaces_the_model_and_learns_from_the_labels(tmp_path, world):
    _label(world)
    path = _model_in_use(tmp_path, bias=-30.0)  # finds nothing the lexicon does not
    out = _retrain(path)
    held = sum(training.is_held_out(t) for t, _ in LABELS)
    assert f"{len(LABELS) - held} of {len(LABELS)} counselors' labels ({held} held out)" in out
    for name in (
        "triage_heldout.tsv",
        "triage_heldout2.tsv",
        "triage_heldout3.tsv",
        "counselors' labels (held out)",
    ):
        assert name in out
    assert out.splitlines()[-2] == "replaced the model in use: the candidate loses recall on no held-out set"
    adopted = json.loads(path.read_text(encoding="utf-8"))
    assert len(adopted["weights"]) > 100 and "counselors' labels" in adopted["about"]
    assert AuditEvent.objects.get(action="counseling.triage.retrain").detail["adopted"] is True


def test_a_dry_run_writes_nothing(tmp_path, world):
    path = _model_in_use(tmp_path, bias=-30.0)
    before = path.read_text(encoding="utf-8")
    out = _retrain(path, "--dry-run")
    assert "would replace the model in use" in out and path.read_text(encoding="utf-8") == before
    assert "would replace the imminent model in use" in out or "kept the imminent model in use" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["triage_imminent.json", "triage_ngram.json"]


def test_the_label_split_is_deterministic_and_holds_out_about_one_in_five():
    rows = [Labelled(crisis=i % 2 == 0, category="", text=f"留言 {i}") for i in range(500)]
    train, test = training.split_labels(rows)
    assert training.split_labels(list(reversed(rows)))[1] == list(reversed(test))
    assert 60 <= len(test) <= 140 and len(train) + len(test) == 500


# --- v10 (issue 16, i16rec): the imminent model is retrained too, and kept unless no held-out set loses -------------


def _imminent_labels(world, n: int = 40) -> list[str]:
    """Counselors' labels: imminent danger in several wordings, both sides of the split."""
    now = timezone.now()
    texts = [f"我现在在{place}第{i}层 风很大 再见了" for i in range(n // 2) for place in ("天台", "楼顶")]
    for text in texts:
        TriageLabel.objects.create(
            district=world.haidian,
            text=text,
            label="imminent",
            triage_class="risk",
            lexicon_version=10,
            labelled_at=now,
        )
    return texts


def test_an_imminent_candidate_that_finds_fewer_imminent_messages_on_a_held_out_set_is_refused(
    tmp_path, world
):
    """The imminent model in use lifts every crisis to imminent danger, so it finds every imminent message of
    every held-out set: a real candidate finds fewer somewhere, and the model in use is kept."""
    crisis = _model_in_use(tmp_path, bias=-30.0)
    imminent = _model_in_use(tmp_path, bias=30.0, name="triage_imminent.json")
    before = imminent.read_text(encoding="utf-8")
    out = _retrain(crisis, imminent=imminent)
    assert "imminent model: training on" in out
    assert out.splitlines()[-1].startswith("kept the imminent model in use: the candidate loses recall on")
    assert "triage_heldout7.tsv" in out.splitlines()[-1]
    assert imminent.read_text(encoding="utf-8") == before
    event = AuditEvent.objects.get(action="counseling.triage.retrain")
    assert event.detail["imminent_adopted"] is False and event.detail["imminent_losses"]


def test_an_imminent_candidate_that_loses_no_imminent_recall_replaces_the_model_and_learns_the_labels(
    tmp_path, world
):
    """The imminent model in use never fires: the candidate, trained with the counselors' imminent labels, loses
    nothing and is adopted; it scores an unseen message of the labels' kind higher than the old one did."""
    texts = _imminent_labels(world)
    held = sum(training.is_held_out(t) for t in texts)
    crisis = _model_in_use(tmp_path, bias=-30.0)
    imminent = _model_in_use(tmp_path, bias=-30.0, name="triage_imminent.json")
    out = _retrain(crisis, imminent=imminent)
    assert f"with {len(texts) - held} counselors' labels" in out
    assert (
        out.splitlines()[-1]
        == "replaced the imminent model in use: the candidate loses recall on no held-out set"
    )
    adopted = json.loads(imminent.read_text(encoding="utf-8"))
    assert "counselors' labels" in adopted["about"] and len(adopted["weights"]) > 100
    model = training.read_model(imminent)
    assert model.threshold == 0.7 and model.probability("我在天台第九十层 风很大") > 0.5
    event = AuditEvent.objects.get(action="counseling.triage.retrain")
    assert event.detail["imminent_adopted"] is True and event.detail["imminent_losses"] == []
