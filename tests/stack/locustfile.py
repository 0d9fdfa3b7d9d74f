"""Locust users for the screening-day load test (tests/stack/loadtest.py runs this headless; never on its own).

Each user is one student of the plan (``XINYU_LOAD_PLAN``, written by loadtest.py's setup): they open their sheet,
make 20 autosaves of the ASQ (changing their mind on the way, see ``answers``) and submit it; the students marked
``acute`` end with yes to Q1 and Q5, which raises a red alert. Like answer.js, a request that gets no answer (the
server worker was killed under it) or a 5xx is sent again, up to ``TRIES`` times, with the same body and
idempotency key. Each request about to be sent, and each 2xx, is written to ``XINYU_LOAD_LOG`` (JSON lines):
what the server acknowledged, which loadtest.py then checks against the database. When the last student is done
the run stops.
"""

from __future__ import annotations

import json
import os
import time

from locust import HttpUser, constant, task
from locust.exception import StopUser

PLAN = json.loads(open(os.environ["XINYU_LOAD_PLAN"]).read())  # noqa: SIM115 — read once at start
LOG = open(os.environ["XINYU_LOAD_LOG"], "a", buffering=1)  # noqa: SIM115 — one line per acknowledged request
CSRF = PLAN["csrf"]
TRIES = 5
_next = {"student": 0, "done": 0}


class Student(HttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        if _next["student"] >= len(PLAN["students"]):
            raise StopUser()
        self.s = PLAN["students"][_next["student"]]
        _next["student"] += 1
        self.client.cookies.set("sessionid", self.s["session"])
        self.client.cookies.set("csrftoken", CSRF)

    def send(self, kind: str, method: str, path: str, body: dict | None = None, **logged) -> bool:
        # What is about to be sent: a save the server stored but never acknowledged (the run ended, or every try
        # lost its answer) may legitimately be newer than the last acknowledged one.
        LOG.write(json.dumps({"kind": "sent", "of": kind, **logged}) + "\n")
        for attempt in range(1, TRIES + 1):
            with self.client.request(
                method,
                path,
                json=body,
                headers={"X-CSRFToken": CSRF, "Accept": "application/json"},
                name=kind,
                catch_response=True,
            ) as r:
                if 200 <= r.status_code < 300:
                    r.success()
                    LOG.write(
                        json.dumps({"kind": kind, "status": r.status_code, "attempt": attempt, **logged})
                        + "\n"
                    )
                    return True
                if (
                    r.status_code == 0 or r.status_code >= 500
                ):  # no answer (a killed worker) or 5xx: try again
                    r.failure(f"attempt {attempt}: {r.status_code or r.error}")
                    time.sleep(0.2 * attempt)
                    continue
                r.failure(f"{r.status_code}: {r.text[:200]}")
                return False
        return False

    @task
    def answer_the_screening(self) -> None:
        s = self.s
        self.send("open", "GET", f"/screening/answer/{s['assignment']}/")
        for item, value in answers(s["acute"]):
            self.send("autosave", "POST", f"/screening/response/{s['asq']}/answer/", {"item": item, "value": value},
                      response=s["asq"], item=item, value=value)  # fmt: skip
        key = f"load-{s['asq']}"
        self.send("submit", "POST", f"/screening/response/{s['asq']}/submit/", {"key": key},
                  response=s["asq"], key=key, acute=s["acute"])  # fmt: skip
        _next["done"] += 1
        if _next["done"] >= len(PLAN["students"]):
            self.environment.runner.quit()
        raise StopUser()


def answers(acute: bool) -> list[tuple[str, int]]:
    """20 autosaves of a student who changes their mind: yes, no, yes, no to Q1–Q4, then their final answers —
    all "no", or (``acute``) yes to Q1 and, now that Q5 is shown, yes to Q5."""
    items = ["q1", "q2", "q3", "q4"]
    saves = [(item, 1 - n % 2) for n in range(4) for item in items]  # 16 saves
    if acute:
        return [*saves, ("q1", 1), ("q2", 0), ("q3", 0), ("q5", 1)]
    return [*saves, *((item, 0) for item in items)]
