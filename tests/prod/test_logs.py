"""Structured JSON logs with request ids and no personal data (issue 9, Deliver 5)."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest

from xinyu.logging_json import logging_config

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_lines():
    """Production's LOGGING, writing to a buffer; returns a function giving the JSON lines so far."""
    stream = io.StringIO()
    config = logging_config("INFO")
    config["handlers"]["console"]["stream"] = stream
    logging.config.dictConfig(config)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root = logging.getLogger()
    for name in ("", "django", "celery", "gunicorn.error"):
        logging.getLogger(name).handlers.clear()
    root.setLevel(logging.WARNING)


def test_every_request_logs_one_json_line_with_its_route_and_request_id(client, world, log_lines):
    client.force_login(world.class_teacher)
    response = client.get("/org/students/", HTTP_X_REQUEST_ID="nginx-req-0001")
    assert response["X-Request-ID"] == "nginx-req-0001"
    access = [line for line in log_lines() if line["logger"] == "xinyu.access"]
    assert access == [
        {
            "ts": access[0]["ts"], "level": "INFO", "logger": "xinyu.access", "msg": "request",
            "request_id": "nginx-req-0001", "route": "org:student_list", "method": "GET", "status": 200,
            "duration_ms": access[0]["duration_ms"],
        }
    ]  # fmt: skip


def test_a_malformed_request_id_is_replaced(client, log_lines):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert response["X-Request-ID"] != "bad id\nwith newline" and len(response["X-Request-ID"]) == 32
    assert log_lines()[-1]["request_id"] == response["X-Request-ID"]


def test_no_student_name_number_or_id_reaches_the_log(client, world, log_lines):
    student = world.student_a1
    client.force_login(world.class_teacher)
    client.get(f"/org/students/{student.pk}/?q={student.name}")
    client.get("/org/students/", {"q": student.name})
    client.get("/org/students/", {"q": student.student_no})
    client.force_login(world.other_school_teacher)
    assert client.get(f"/org/students/{student.pk}/").status_code == 404  # Django logs "Not Found: <path>"
    client.logout()
    client.post("/login/", {"username": student.student_no, "password": "wrong"})
    client.get(f"/no-such-page/{student.student_no}/{student.name}")
    lines = log_lines()
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    assert len([line for line in lines if line["logger"] == "xinyu.access"]) == 6
    assert any(line["logger"] == "django.request" for line in lines)  # the 404s were logged …
    assert student.name not in text  # … without the name,
    assert student.student_no not in text  # the student number
    assert f"/org/students/{student.pk}/" not in text  # or the path with the student's id
