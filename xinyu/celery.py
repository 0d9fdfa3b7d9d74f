"""Celery app. Eager in the embedded default (settings.CELERY_TASK_ALWAYS_EAGER); Redis when configured.

Production runs one worker per queue group (deploy/systemd): ``-Q alerts`` (care's alerts and escalations,
never behind bulk work) and ``-Q default,bulk`` (imports, rollups), plus one ``celery beat`` for the timers.
Task metrics by queue and the request id of the request that queued a task are wired here.
"""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyu.settings")

app = Celery("xinyu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.before_task_publish.connect
def _pass_request_id(headers=None, **kwargs):
    from xinyu.logging_json import request_id_var

    rid = request_id_var.get()
    if rid and headers is not None:
        headers.setdefault("request_id", rid)


@signals.task_prerun.connect
def _task_prerun(task_id=None, task=None, **kwargs):
    from xinyu import metrics
    from xinyu.logging_json import request_id_var

    rid = getattr(task.request, "request_id", None) or (task.request.headers or {}).get("request_id")
    request_id_var.set(rid or task_id or "")
    metrics.task_prerun(task_id=task_id, task=task)


@signals.task_postrun.connect
def _task_postrun(**kwargs):
    from xinyu import metrics

    metrics.task_postrun(**kwargs)


@signals.task_failure.connect
def _task_failure(sender=None, **kwargs):
    from xinyu import metrics

    metrics.task_failure(sender=sender)
