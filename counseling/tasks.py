"""Background work of the counseling app (Celery; autodiscovered as ``counseling.tasks``). The tasks live in the
sub-domains (counseling/centre/tasks.py, counseling/rooms/tasks.py); importing them here lets Celery's
autodiscovery (which looks for ``<app>.tasks``) register them (task names are explicit)."""

from counseling.centre.tasks import audit_anonymous_digest, remind_overdue_messages  # noqa: F401
from counseling.rooms.tasks import remind_appointments  # noqa: F401
