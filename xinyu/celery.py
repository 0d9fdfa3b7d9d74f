"""Celery app. Eager in the embedded default (settings.CELERY_TASK_ALWAYS_EAGER); Redis when configured."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyu.settings")

app = Celery("xinyu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
