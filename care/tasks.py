"""The Celery tasks of care, defined in its sub-domains' ``tasks.py`` and re-exported here, since Celery's
``autodiscover_tasks`` imports ``care.tasks`` (the task names are explicit and unchanged)."""

from care.alerts.tasks import escalate_alerts, send_notification_emails  # noqa: F401
from care.guardian_export.tasks import build_guardian_export  # noqa: F401
from care.plans.tasks import send_task_reminders  # noqa: F401
