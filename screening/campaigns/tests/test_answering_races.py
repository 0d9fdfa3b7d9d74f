"""Answering races (issue 3, "Answering" / "Submit exactly once", R5.3): real concurrent requests on one sheet.

On PostgreSQL every device of a student is a thread with its own test client, session and database connection;
the requests of one race start together behind a barrier. The rules a student would state:

- an answer the page said was saved counts in my result; one it refused ("这份问卷已经提交。") is not stored;
- tapping submit twice, or on two devices at once, gives one result (and one alert), never two;
- the audit trail is still one unbroken chain afterwards.

SQLite's test database is in memory and threads cannot share it: there the same requests run one after another,
in one order the race can take, and the same rules are checked (the PostgreSQL stage of .ci/run races them).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from access import audit
from access.models import AuditEvent
from care.models import Alert
from org.models import Enrollment, Gender, Post, Role, Student, User
from screening.campaigns import services
from screening.campaigns.tests.campaign_helpers import launched_campaign, started
from screening.models import Answer, Response, ResponseStatus, Result

# what the student reads on a refused autosave (zh-hans, the default language)
SUBMITTED = "这份问卷已经提交。"
ITEMS = [f"q{n}" for n in range(1, 8)]  # GAD-7
RACED = ITEMS[:4]  # one writer per item; q5–q7 keep the answer given before the race
PREFILL_SECONDS = 5.0
MAX_ATTEMPTS = 300  # a writer that never hears 409 fails the test instead of spinning forever

race = pytest.mark.django_db(transaction=True)


def _on_postgresql() -> bool:
    return connection.vendor == "postgresql"


@dataclass
class Sheet:
    user: User
    response: Response


def _open_sheets(world, n: int, *, value: int = 0) -> list[Sheet]:
    """``n`` students of class A1, each with an account and an open GAD-7 sheet answered ``value`` throughout."""
    pupils = []
    for i in range(n):
        student = Student.objects.create(
            student_no=f"G11010820150302{i:04d}", name=f"学生{i}", gender=Gender.FEMALE,
            birth_date=dt.date(2015, 3, 2),
        )  # fmt: skip
        Enrollment.objects.create(
            student=student, school=world.school_a, school_class=world.a1, school_year=world.year, grade=5
        )
        student.user = User.objects.create(username=f"pupil{i}", display_name=student.name)
        student.save(update_fields=["user"])
        Post.objects.create(user=student.user, role=Role.STUDENT, node=world.school_a)
        pupils.append(student)
    campaign = launched_campaign(world, instruments=("gad-7",))
    sheets = []
    for student in pupils:
        _a, (response,) = started(world, campaign, student=student, user=student.user)
        for item in ITEMS:
            services.save_answer(
                user=student.user, response_id=response.pk, item_id=item, value=value, seconds=PREFILL_SECONDS
            )
        sheets.append(Sheet(student.user, response))
    return sheets


def _device(user: User) -> Client:
    """One of the student's devices: its own client and session."""
    client = Client()
    client.force_login(user)
    return client


@dataclass
class Call:
    status: int
    body: dict
    started: float
    ended: float


def _post(client: Client, name: str, pk: int, body: dict) -> Call:
    started_at = time.perf_counter()
    got = client.post(
        reverse(name, kwargs={"pk": pk}), data=json.dumps(body), content_type="application/json"
    )
    return Call(got.status_code, got.json(), started_at, time.perf_counter())


def _at_once(actions: list[Callable[[], None]]) -> None:
    """On PostgreSQL, run the actions together, each in its own thread with its own connection; on SQLite, in
    the order given."""
    if not _on_postgresql():
        for act in actions:
            act()
        return
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(actions))

    def run(act: Callable[[], None]) -> None:
        try:
            barrier.wait(timeout=10)
            act()
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(act,)) for act in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a racer hung"
    assert errors == []


def _submits_at_once(response_id: int, sends: list[tuple[Client, str]]) -> list[tuple[str, Call]]:
    """Each device sends submit with its key, all together; returns (key, what it was answered) per device."""
    answers: list[tuple[str, Call]] = []

    def send(client: Client, key: str) -> None:
        answers.append((key, _post(client, "screening:submit", response_id, {"key": key})))

    _at_once([functools.partial(send, client, key) for client, key in sends])
    return answers


def _chain_breaks() -> list[tuple[int, str]]:
    return [(b.seq, b.problem) for b in audit.verify()]


def _submit_events(response: Response) -> list[dict]:
    return list(
        AuditEvent.objects.filter(
            action="screening.submit", object_type="screening.response", object_id=str(response.pk)
        ).values_list("detail", flat=True)
    )


# --- 1. autosave racing submit ----------------------------------------------------------------------------------


@dataclass
class Writer:
    """A device autosaving one item again and again: values only rise (1, 2, 3, 3, …) so an acknowledged answer
    left out of the score lowers the total, and ``seconds`` is unique per attempt so the stored row names the
    autosave that wrote it."""

    client: Client
    response_id: int
    item: str
    first_ack: threading.Event
    calls: list[tuple[int, float, Call]] = field(default_factory=list)

    def attempt(self) -> int:
        k = len(self.calls)
        value, seconds = min(k + 1, 3), PREFILL_SECONDS + 1 + k
        body = {"item": self.item, "value": value, "seconds": seconds}
        call = _post(self.client, "screening:save_answer", self.response_id, body)
        self.calls.append((value, seconds, call))
        if call.status == 200:
            self.first_ack.set()
        return call.status

    def until_refused(self) -> None:
        while self.attempt() == 200 and len(self.calls) < MAX_ATTEMPTS:
            pass


def _submit_after(
    first_ack: threading.Event, client: Client, response_id: int, submitted: list[Call]
) -> None:
    """The submit lands among the autosaves, once at least one of them was acknowledged."""
    first_ack.wait(timeout=10)
    submitted.append(_post(client, "screening:submit", response_id, {"key": f"race-{response_id}"}))


@race
def test_an_acknowledged_autosave_counts_in_the_result_and_a_refused_one_stores_nothing(world):
    sheets = _open_sheets(world, 12)
    acked_while_submitting = refused_while_submitting = 0
    for sheet in sheets:
        rid = sheet.response.pk
        first_ack = threading.Event()
        writers = [Writer(_device(sheet.user), rid, item, first_ack) for item in RACED]
        submitted: list[Call] = []
        submit = functools.partial(_submit_after, first_ack, _device(sheet.user), rid, submitted)
        if _on_postgresql():
            _at_once([w.until_refused for w in writers] + [submit])
        else:  # one order the race can take: an autosave per item, the submit, an autosave per item
            _at_once([w.attempt for w in writers] + [submit] + [w.attempt for w in writers])

        (sub,) = submitted
        assert sub.status == 200 and sub.body["created"]
        final = {item: (0, PREFILL_SECONDS) for item in ITEMS}
        for w in writers:
            *acked, (_v, _s, refused) = w.calls
            assert [c.status for _v, _s, c in acked] == [200] * len(acked)
            assert (refused.status, refused.body["error"]) == (409, SUBMITTED)
            if acked:
                value, seconds, _c = acked[-1]
                final[w.item] = (value, seconds)
            acked_while_submitting += sum(c.ended > sub.started for _v, _s, c in acked)
            refused_while_submitting += refused.started < sub.ended
        stored = {a.item_id: (a.value, a.seconds) for a in Answer.objects.filter(response_id=rid)}
        assert stored == final  # the last acknowledged autosave of each item, and nothing that was refused
        (result,) = Result.objects.filter(response_id=rid)
        assert result.pk == sub.body["result"]
        assert result.scores == {"total": sum(value for value, _s in final.values())}
        assert Response.objects.get(pk=rid).status == ResponseStatus.SUBMITTED

    if _on_postgresql():  # the requests met at the sheet's lock, in both orders
        assert acked_while_submitting > 0 and refused_while_submitting > 0
    assert _chain_breaks() == []


# --- 2. the same submit twice at once ---------------------------------------------------------------------------


@race
def test_a_submit_sent_from_four_devices_at_once_gives_one_result_and_one_alert(world):
    # answered 3 throughout: GAD-7 total 21, an orange result, so the submit also raises an alert
    for sheet in _open_sheets(world, 4, value=3):
        rid, key = sheet.response.pk, f"twice-{sheet.response.pk}"
        calls = [c for _key, c in _submits_at_once(rid, [(_device(sheet.user), key) for _ in range(4)])]

        assert [c.status for c in calls] == [200] * 4
        (result,) = Result.objects.filter(response_id=rid)
        assert {c.body["result"] for c in calls} == {result.pk}
        assert sorted(c.body["created"] for c in calls) == [False, False, False, True]
        assert Response.objects.get(pk=rid).idempotency_key == key
        assert result.level == "orange"
        assert Alert.objects.filter(student__user=sheet.user).count() == 1
        assert sorted(d["created"] for d in _submit_events(sheet.response)) == [False, False, False, True]
    assert _chain_breaks() == []


# --- 3. two submits with different keys at once -----------------------------------------------------------------


@race
def test_submits_with_different_keys_at_once_give_one_result_and_only_the_winners_key_is_kept(world):
    for sheet in _open_sheets(world, 4, value=1):
        rid = sheet.response.pk
        keys = [f"tab-{rid}-{n}" for n in range(3)]
        calls = dict(_submits_at_once(rid, [(_device(sheet.user), key) for key in keys]))

        (result,) = Result.objects.filter(response_id=rid)
        (winner,) = [k for k, c in calls.items() if c.status == 200 and c.body["created"]]
        losers = {k: c for k, c in calls.items() if k != winner}
        # a loser is given the stored result, or refused; never a result of its own, and its key is not kept
        assert {(c.status, c.body.get("result"), c.body.get("created")) for c in losers.values()} <= {
            (200, result.pk, False),
            (409, None, None),
        }
        assert not Response.objects.filter(idempotency_key__in=losers).exists()
        assert calls[winner].body["result"] == result.pk
        assert Response.objects.get(pk=rid).idempotency_key == winner
        assert result.scores == {"total": 7}
        assert len(_submit_events(sheet.response)) == sum(c.status == 200 for c in calls.values())
    assert _chain_breaks() == []
